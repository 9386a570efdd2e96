/**
 * One chat with everything in it: members, each tenant member's viewpoint, a preview,
 * operations. The first chats of a tenant are steered so that even a small tenant shows
 * every shape at least once (each member subtype, each preview kind, each operation
 * status, large groups, duplicated user ids); the rest is drawn at random.
 */
import type { ChatType } from "@microsoft/microsoft-graph-types";
import { NEVER, type SimChatState, type SimMember } from "../model.ts";
import type { Prng } from "../random.ts";
import { formatGraphTime, randomGraphTime } from "../graph-time.ts";
import type { ChatGenContext } from "./chat-context.ts";
import { addDuplicate, people, pickUser, viewpoints } from "./chat-people.ts";
import { generatePreview } from "./chat-preview.ts";
import {
  calendarEventId,
  chatWebUrl,
  groupChatId,
  meetingChatId,
  meetingJoinUrl,
  membershipId,
  oneOnOneChatId,
} from "./ids.ts";
import {
  EXTERNAL_MEMBER_KINDS,
  EXTERNAL_MIX,
  externalMember,
  tenantUserMember,
  visibleHistoryStart,
} from "./members.ts";
import { GROUP_TOPICS, MEETING_TOPICS } from "./names.ts";
import { OPERATION_STATUSES, generateOperation, type OperationPlan } from "./operations.ts";
import { memberIdentity } from "./previews.ts";

export type { ChatGenContext } from "./chat-context.ts";

const DAY_MS = 86_400_000;

const STATUS_WEIGHTS = {
  succeeded: 45,
  failed: 15,
  inProgress: 12,
  notStarted: 12,
  invalid: 6,
  unknownFutureValue: 10,
} as const;
/** The first previews of each chat type, so even a small tenant has each kind. */
export function generateChat(
  ctx: ChatGenContext,
  rng: Prng,
  chatType: Exclude<ChatType, "unknownFutureValue">,
): { chat: SimChatState; plans: OperationPlan[] } {
  const createdMs = ctx.nowMs - rng.int(3_600_000, 730 * DAY_MS);
  const createdDateTime = randomGraphTime(rng, createdMs);
  const { id, members, topic } =
    chatType === "oneOnOne"
      ? oneOnOne(ctx, rng)
      : chatType === "group"
        ? group(ctx, rng, createdMs)
        : meeting(ctx, rng, createdMs);

  const lastUpdatedMs =
    chatType === "oneOnOne"
      ? createdMs + rng.int(0, 5000)
      : rng.chance(0.35)
        ? createdMs
        : createdMs + rng.next() * (ctx.nowMs - createdMs);
  const tenantId =
    chatType === "group" && rng.chance(0.03)
      ? rng.pick(ctx.members.foreignTenantIds)
      : ctx.members.tenantId;
  const organizer = members.find((m) => m.type === "aadUserConversationMember");
  const migrated = rng.next();
  const preview = generatePreview(ctx, rng, { id, topic, chatType }, members, createdMs);
  const chat: SimChatState = {
    id,
    chatType,
    topic,
    createdDateTime,
    lastUpdatedDateTime:
      lastUpdatedMs === createdMs ? createdDateTime : randomGraphTime(rng, lastUpdatedMs),
    webUrl: chatWebUrl(id, tenantId),
    tenantId,
    isHiddenForAllMembers: rng.chance(0.03),
    onlineMeetingInfo:
      chatType === "meeting" && organizer?.type === "aadUserConversationMember"
        ? {
            calendarEventId: calendarEventId(rng),
            joinWebUrl: meetingJoinUrl(id, ctx.members.tenantId, organizer.userId),
            organizer: { id: organizer.userId, displayName: null, userIdentityType: "aadUser" },
          }
        : null,
    migrationMode: migrated < 0.02 ? "completed" : migrated < 0.025 ? "inProgress" : null,
    originalCreatedDateTime:
      migrated < 0.025 ? formatGraphTime(createdMs - rng.int(1, 900) * DAY_MS) : null,
    installedAppIds: rng.chance(0.1) ? pickApps(rng, ctx.appIds) : [],
    viewpointProperty: rng.chance(0.5) ? "viewpoint" : "chatViewpoint",
    members,
    viewpoints: viewpoints(ctx, rng, members, createdMs),
    lastMessagePreview: preview,
    previewHistory: preview === null ? [] : [preview],
    operations: [],
  };
  const plans = chatType === "oneOnOne" ? [] : addOperations(ctx, rng, chat, createdMs);
  return { chat, plans };
}

function oneOnOne(ctx: ChatGenContext, rng: Prng) {
  const roles = rng.chance(0.5) ? ["owner"] : [];
  const first = pickUser(ctx, rng);
  for (let attempt = 0; attempt < 10 && ctx.users.length > 1 && rng.chance(0.85); attempt++) {
    const second = pickUser(ctx, rng);
    const id = oneOnOneChatId(first.id, second.id);
    if (second.id === first.id || ctx.usedChatIds.has(id)) continue;
    ctx.usedChatIds.add(id);
    const members = [first, second].map((u) =>
      tenantUserMember(ctx.members, rng, id, u, [...roles], NEVER),
    );
    return { id, members, topic: null };
  }
  // A one-on-one with someone outside the tenant: the id pairs the tenant user with them.
  const kind = rng.weighted(EXTERNAL_MIX.oneOnOne);
  const partner = externalMember(ctx.members, rng, "", kind, NEVER);
  const partnerKey = memberIdentity(partner).id;
  const id = oneOnOneChatId(first.id, partnerKey);
  ctx.usedChatIds.add(id);
  const members: SimMember[] = [
    tenantUserMember(ctx.members, rng, id, first, [...roles], NEVER),
    // The membership id is re-derived now that the chat id (named after the pair) is known.
    { ...partner, id: membershipId(ctx.members.tenantId, id, partnerKey), roles: [...roles] },
  ];
  return { id, members, topic: null };
}

function group(ctx: ChatGenContext, rng: Prng, createdMs: number) {
  const index = ctx.counters.groups++;
  const large = index === 0 || index === 4 || rng.chance(ctx.largeGroupShare);
  const size = large
    ? 26 + Math.floor((Math.max(26, ctx.maxGroupSize) - 26) * rng.next() ** 2)
    : rng.chance(0.7)
      ? rng.int(3, 8)
      : rng.int(9, 25);
  const id = groupChatId(rng);
  const members = people(
    ctx,
    rng,
    id,
    size,
    0.55,
    createdMs,
    "group",
    index === 0 ? "owner" : "mixed",
  );
  if (index === 2 || rng.chance(0.04)) addDuplicate(ctx, rng, id, members);
  const topic = rng.chance(0.8) ? rng.pick(GROUP_TOPICS) : null;
  return { id, members, topic };
}

function meeting(ctx: ChatGenContext, rng: Prng, createdMs: number) {
  const index = ctx.counters.meetings++;
  const id = meetingChatId(rng);
  const size = rng.chance(0.8) ? rng.int(2, 12) : rng.int(13, 40);
  const members = people(ctx, rng, id, size, 0.4, createdMs, "meeting", "organizer");
  if (index === 0) {
    // The first meeting shows every member subtype at least once.
    for (const kind of EXTERNAL_MEMBER_KINDS) {
      members.push(
        externalMember(ctx.members, rng, id, kind, visibleHistoryStart(rng, createdMs, ctx.nowMs)),
      );
    }
  }
  return { id, members, topic: rng.pick(MEETING_TOPICS) };
}

function addOperations(
  ctx: ChatGenContext,
  rng: Prng,
  chat: SimChatState,
  createdMs: number,
): OperationPlan[] {
  // The first two group chats carry three operations each: all six statuses.
  const index = ctx.counters.groups;
  const forced = chat.chatType === "group" && index <= 2;
  if (!forced && !rng.chance(0.12)) return [];
  const plans: OperationPlan[] = [];
  const count = forced ? 3 : rng.int(1, 3);
  for (let i = 0; i < count; i++) {
    const status = forced
      ? (OPERATION_STATUSES[((index - 1) * 3 + i) % OPERATION_STATUSES.length] ?? "succeeded")
      : rng.weighted(STATUS_WEIGHTS);
    const { operation, plan } = generateOperation(
      rng,
      chat.tenantId,
      chat.id,
      status,
      ctx.appIds,
      createdMs,
      ctx.nowMs,
    );
    chat.operations.push(operation);
    if (plan) plans.push(plan);
  }
  return plans;
}

function pickApps(rng: Prng, appIds: readonly string[]): string[] {
  const first = rng.pick(appIds);
  const second = rng.pick(appIds);
  return rng.chance(0.3) && second !== first ? [first, second] : [first];
}

/** Popular users are in many more chats than others (a skewed pick). */
