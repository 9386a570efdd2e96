/**
 * Conversation members of every subtype Graph documents. Tenant users become
 * `aadUserConversationMember`s of this tenant (the ones whose listings show the chat);
 * everyone else is external: federated users of other tenants, anonymous meeting guests,
 * phone dial-ins, Skype, Microsoft accounts, Azure Communication Services users.
 */
import {
  NEVER,
  type GraphTimestamp,
  type SimAadUserMember,
  type SimMember,
  type SimUser,
} from "../model.ts";
import type { Prng } from "../random.ts";
import { randomGraphTime } from "../graph-time.ts";
import { membershipId, stableMembershipId } from "./ids.ts";
import { EXTERNAL_DOMAINS, GIVEN_NAMES, SURNAMES } from "./names.ts";

export type ExternalMemberKind =
  | "federated"
  | "anonymousGuest"
  | "microsoftAccountUser"
  | "skypeForBusinessUser"
  | "skypeUser"
  | "phoneUser"
  | "azureCommunicationServicesUser";

export const EXTERNAL_MEMBER_KINDS = [
  "federated",
  "anonymousGuest",
  "microsoftAccountUser",
  "skypeForBusinessUser",
  "skypeUser",
  "phoneUser",
  "azureCommunicationServicesUser",
] as const satisfies readonly ExternalMemberKind[];

/** What member generation needs to know about the tenant. */
export interface MemberContext {
  readonly tenantId: string;
  /** Salt of the user-derived membership ids (same id in every chat of that user). */
  readonly stableIdSalt: string;
  /** Users whose membership id is user-derived, hence repeated across their chats. */
  readonly stableIdUsers: ReadonlySet<string>;
  /** A few other tenants that federated members come from. */
  readonly foreignTenantIds: readonly string[];
}

export function visibleHistoryStart(rng: Prng, createdMs: number, nowMs: number): GraphTimestamp {
  const r = rng.next();
  if (r < 0.75) return NEVER;
  if (r < 0.8) return "1970-01-01T00:00:00Z";
  return randomGraphTime(rng, createdMs + rng.next() * (nowMs - createdMs));
}

export function tenantUserMember(
  ctx: MemberContext,
  rng: Prng,
  chatId: string,
  user: SimUser,
  roles: string[],
  visibleHistoryStartDateTime: GraphTimestamp,
): SimAadUserMember {
  return {
    type: "aadUserConversationMember",
    id: ctx.stableIdUsers.has(user.id)
      ? stableMembershipId(ctx.stableIdSalt, user.id)
      : membershipId(ctx.tenantId, chatId, user.id),
    displayName: user.displayName,
    roles: user.userType === "Guest" ? ["guest"] : roles,
    visibleHistoryStartDateTime,
    userId: user.id,
    // Guests' and some members' email is null in real responses.
    email: user.userType === "Guest" && rng.chance(0.5) ? null : user.mail,
    tenantId: ctx.tenantId,
  };
}

/** A second membership for a user already in the chat (the docs sample shows this). */
export function duplicateMembership(
  ctx: MemberContext,
  rng: Prng,
  chatId: string,
  original: SimAadUserMember,
): SimAadUserMember {
  const given = rng.pick(GIVEN_NAMES);
  const surname = rng.pick(SURNAMES);
  return {
    ...original,
    id: membershipId(ctx.tenantId, chatId, `${original.userId}#alias`),
    displayName: `${given} ${surname}`,
    email: `${given.toLowerCase()}.${surname.toLowerCase().replace(/[^a-z]/g, "")}@${rng.pick(EXTERNAL_DOMAINS)}`,
    roles: [],
  };
}

export function externalMember(
  ctx: MemberContext,
  rng: Prng,
  chatId: string,
  kind: ExternalMemberKind,
  visibleHistoryStartDateTime: GraphTimestamp,
): SimMember {
  const given = rng.pick(GIVEN_NAMES);
  const surname = rng.pick(SURNAMES);
  const name = `${given} ${surname}`;
  const base = { roles: [] as string[], visibleHistoryStartDateTime };
  switch (kind) {
    case "federated": {
      const userId = rng.guid();
      const domain = rng.pick(EXTERNAL_DOMAINS);
      return {
        ...base,
        type: "aadUserConversationMember",
        id: membershipId(ctx.tenantId, chatId, userId),
        displayName: name,
        userId,
        email: rng.chance(0.7) ? `${given.toLowerCase()}@${domain}` : null,
        tenantId: rng.pick(ctx.foreignTenantIds),
      };
    }
    case "anonymousGuest": {
      const anonymousGuestId = `${rng.guid()}`;
      return {
        ...base,
        type: "anonymousGuestConversationMember",
        id: membershipId(ctx.tenantId, chatId, anonymousGuestId),
        displayName: rng.chance(0.5) ? `${given} (Guest)` : "Guest",
        roles: ["guest"],
        anonymousGuestId,
      };
    }
    case "microsoftAccountUser": {
      const userId = rng.hex(16);
      return {
        ...base,
        type: "microsoftAccountUserConversationMember",
        id: membershipId(ctx.tenantId, chatId, userId),
        displayName: name,
        userId,
      };
    }
    case "skypeForBusinessUser": {
      const userId = rng.guid();
      return {
        ...base,
        type: "skypeForBusinessUserConversationMember",
        id: membershipId(ctx.tenantId, chatId, userId),
        displayName: name,
        userId,
        tenantId: rng.pick(ctx.foreignTenantIds),
      };
    }
    case "skypeUser": {
      const skypeId = `live:.cid.${rng.hex(16)}`;
      return {
        ...base,
        type: "skypeUserConversationMember",
        id: membershipId(ctx.tenantId, chatId, skypeId),
        displayName: name,
        skypeId,
      };
    }
    case "phoneUser": {
      const phoneNumber = `+1425${rng.digits(7)}`;
      return {
        ...base,
        type: "phoneUserConversationMember",
        id: membershipId(ctx.tenantId, chatId, phoneNumber),
        // Dial-in participants often have only their number as a name.
        displayName: rng.chance(0.5) ? phoneNumber : null,
        phoneNumber,
      };
    }
    case "azureCommunicationServicesUser": {
      const acsId = `8:acs:${rng.guid()}_${rng.hex(8)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(12)}`;
      return {
        ...base,
        type: "azureCommunicationServicesUserConversationMember",
        id: membershipId(ctx.tenantId, chatId, acsId),
        displayName: rng.chance(0.7) ? name : null,
        azureCommunicationServicesId: acsId,
      };
    }
  }
}

/** Weights of external member kinds by chat type: meetings bring anonymous and phone guests. */
export const EXTERNAL_MIX = {
  oneOnOne: { federated: 70, microsoftAccountUser: 10, skypeForBusinessUser: 8, skypeUser: 12 },
  group: {
    federated: 55,
    microsoftAccountUser: 10,
    skypeForBusinessUser: 8,
    skypeUser: 10,
    phoneUser: 7,
    anonymousGuest: 5,
    azureCommunicationServicesUser: 5,
  },
  meeting: {
    federated: 25,
    anonymousGuest: 35,
    phoneUser: 20,
    azureCommunicationServicesUser: 10,
    skypeUser: 5,
    microsoftAccountUser: 5,
  },
} as const satisfies Record<string, Partial<Record<ExternalMemberKind, number>>>;
