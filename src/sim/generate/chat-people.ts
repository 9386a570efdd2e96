/**
 * Who is in a generated chat: tenant users (popular ones in more chats) and external
 * people, shuffled so the 25-member expansion mixes kinds; their viewpoints.
 */
import { NEVER, type SimMember, type SimUser, type SimViewpoint } from "../model.ts";
import type { Prng } from "../random.ts";
import { randomGraphTime } from "../graph-time.ts";
import type { ChatGenContext } from "./chat-context.ts";
import {
  EXTERNAL_MIX,
  duplicateMembership,
  externalMember,
  tenantUserMember,
  visibleHistoryStart,
  type ExternalMemberKind,
} from "./members.ts";

export function people(
  ctx: ChatGenContext,
  rng: Prng,
  chatId: string,
  size: number,
  minTenantShare: number,
  createdMs: number,
  mix: "group" | "meeting",
  owners: "owner" | "mixed" | "organizer",
): SimMember[] {
  const share = minTenantShare + (1 - minTenantShare) * rng.next();
  const tenantCount = Math.max(1, Math.min(ctx.users.length, Math.round(size * share)));
  const chosen = pickDistinctUsers(ctx, rng, tenantCount);
  const members: SimMember[] = chosen.map((user, i) => {
    const owner = owners === "owner" || i === 0 || (owners === "mixed" && rng.chance(0.4));
    return tenantUserMember(
      ctx.members,
      rng,
      chatId,
      user,
      owner ? ["owner"] : [],
      visibleHistoryStart(rng, createdMs, ctx.nowMs),
    );
  });
  for (let i = tenantCount; i < size; i++) {
    const kind = rng.weighted<ExternalMemberKind>(EXTERNAL_MIX[mix]);
    members.push(
      externalMember(
        ctx.members,
        rng,
        chatId,
        kind,
        visibleHistoryStart(rng, createdMs, ctx.nowMs),
      ),
    );
  }
  // The creator stays first; the rest are interleaved, so the 25-member expansion mixes kinds.
  const rest = members.slice(1);
  for (let i = rest.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [rest[i], rest[j]] = [rest[j] as SimMember, rest[i] as SimMember];
  }
  return [members[0] as SimMember, ...rest];
}

export function addDuplicate(
  ctx: ChatGenContext,
  rng: Prng,
  chatId: string,
  members: SimMember[],
): void {
  const original = members.find((m) => m.type === "aadUserConversationMember");
  if (original?.type !== "aadUserConversationMember") return;
  members.splice(
    rng.int(1, members.length),
    0,
    duplicateMembership(ctx.members, rng, chatId, original),
  );
}

export function viewpoints(
  ctx: ChatGenContext,
  rng: Prng,
  members: readonly SimMember[],
  createdMs: number,
) {
  const result: Record<string, SimViewpoint> = {};
  const seen = new Set<string>();
  for (const member of members) {
    if (member.type !== "aadUserConversationMember" || member.tenantId !== ctx.members.tenantId)
      continue;
    if (seen.has(member.userId) || !ctx.userIds.has(member.userId)) continue;
    seen.add(member.userId);
    result[member.userId] = {
      isHidden: rng.chance(0.1),
      lastMessageReadDateTime: rng.chance(0.15)
        ? NEVER
        : randomGraphTime(rng, createdMs + rng.next() * (ctx.nowMs - createdMs)),
    };
  }
  return result;
}

export function pickUser(ctx: ChatGenContext, rng: Prng): SimUser {
  return ctx.users[Math.floor(ctx.users.length * rng.next() ** 1.7)] as SimUser;
}

export function pickDistinctUsers(ctx: ChatGenContext, rng: Prng, count: number): SimUser[] {
  const chosen = new Map<string, SimUser>();
  for (let attempts = 0; chosen.size < count && attempts < count * 20; attempts++) {
    const user = pickUser(ctx, rng);
    chosen.set(user.id, user);
  }
  for (let i = 0; chosen.size < count; i++) {
    const user = ctx.users[(rng.int(0, ctx.users.length - 1) + i) % ctx.users.length] as SimUser;
    chosen.set(user.id, user);
  }
  return [...chosen.values()];
}
