/**
 * The deterministic tenant generator: the same options (seed included) give the same
 * users, chats, members, previews and operations, byte for byte.
 */
import type { ChatType } from "@microsoft/microsoft-graph-types";
import type { SimChatState, SimUser } from "../model.ts";
import { Prng } from "../random.ts";
import { generateChat, type ChatGenContext } from "./chats.ts";
import type { MemberContext } from "./members.ts";
import type { OperationPlan } from "./operations.ts";
import { extraUserToSimUser, generateUsers, type ExtraUser } from "./users.ts";

export interface TenantOptions {
  /** PRNG seed: same seed, same tenant (default 42). */
  readonly seed?: number | string;
  /** Number of generated users (default 20). */
  readonly users?: number;
  /** Average number of chats a user is in (default 15); ignored when `chats` is set. */
  readonly chatsPerUser?: number;
  /** Exact number of chats to generate (overrides `chatsPerUser`). */
  readonly chats?: number;
  /** Tenant id (default: a GUID derived from the seed). */
  readonly tenantId?: string;
  /** Domain of user principal names (default `contoso.onmicrosoft.com`). */
  readonly domain?: string;
  /** Relative weights of chat types (default oneOnOne 50, group 38, meeting 12). */
  readonly chatTypeMix?: {
    readonly oneOnOne?: number;
    readonly group?: number;
    readonly meeting?: number;
  };
  /** Largest group chat (default 250, Teams' limit for group chats). */
  readonly maxGroupSize?: number;
  /** Share of group chats with more than 25 members (default 0.08; the 1st and 5th always are). */
  readonly largeGroupShare?: number;
  /** Users with fixed ids added after the generated ones (they take part in chats too). */
  readonly extraUsers?: readonly ExtraUser[];
}

export interface GeneratedTenant {
  tenantId: string;
  domain: string;
  users: SimUser[];
  chats: SimChatState[];
  plans: OperationPlan[];
  /** Ids of the Teams apps chats may have installed (for `$filter=installedApps/any(...)`). */
  appIds: string[];
  /** Application ids of the bots that post previews. */
  botAppIds: string[];
  /** What live mutations need to build members like the generated ones. */
  memberContext: MemberContext;
}

export function generateTenant(options: TenantOptions, nowMs: number): GeneratedTenant {
  const seed = options.seed ?? 42;
  const root = Prng.from(seed, "tenant");
  const tenantId = options.tenantId ?? root.fork("tenant-id").guid();
  const domain = options.domain ?? "contoso.onmicrosoft.com";
  const userCount = options.users ?? 20;
  if (!Number.isInteger(userCount) || userCount < 1)
    throw new RangeError(`users must be a positive integer: ${userCount}`);
  const users = generateUsers(root.fork("users"), userCount, domain);
  for (const extra of options.extraUsers ?? []) {
    if (!users.some((u) => u.id === extra.id)) users.push(extraUserToSimUser(extra, domain));
  }
  const ids = root.fork("ids");
  const appIds = Array.from({ length: 5 }, () => ids.guid());
  const botAppIds = Array.from({ length: 4 }, () => ids.guid());
  const stableRng = root.fork("stable-ids");
  const ctx: ChatGenContext = {
    members: {
      tenantId,
      stableIdSalt: ids.guid(),
      stableIdUsers: new Set(users.filter(() => stableRng.chance(0.15)).map((u) => u.id)),
      foreignTenantIds: [ids.guid(), ids.guid(), ids.guid()],
    },
    users,
    userIds: new Set(users.map((u) => u.id)),
    nowMs,
    appIds,
    botAppIds,
    maxGroupSize: options.maxGroupSize ?? 250,
    largeGroupShare: options.largeGroupShare ?? 0.08,
    usedChatIds: new Set(),
    counters: { groups: 0, meetings: 0, previews: {}, systemEvents: {} },
  };
  const mix = {
    oneOnOne: options.chatTypeMix?.oneOnOne ?? 50,
    group: options.chatTypeMix?.group ?? 38,
    meeting: options.chatTypeMix?.meeting ?? 12,
  };
  const typeRng = root.fork("chat-types");
  const chats: SimChatState[] = [];
  const plans: OperationPlan[] = [];
  const targetMemberships = users.length * (options.chatsPerUser ?? 15);
  let memberships = 0;
  const more = (): boolean =>
    options.chats !== undefined ? chats.length < options.chats : memberships < targetMemberships;
  // Cap for the memberships-driven mode, so a tenant of one user cannot loop forever.
  const cap = options.chats ?? targetMemberships * 2 + 10;
  while (more() && chats.length < cap) {
    const index = chats.length;
    const coverage: readonly ChatType[] = ["group", "meeting", "oneOnOne"];
    const chosen = (index < coverage.length ? coverage[index] : undefined) ?? typeRng.weighted(mix);
    const type = chosen === "unknownFutureValue" ? "group" : chosen;
    const { chat, plans: chatPlans } = generateChat(ctx, root.fork("chat", index), type);
    chats.push(chat);
    plans.push(...chatPlans);
    memberships += Object.keys(chat.viewpoints).length;
  }
  return { tenantId, domain, users, chats, plans, appIds, botAppIds, memberContext: ctx.members };
}
