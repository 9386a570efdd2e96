/** Id and URL shapes copied from Graph's samples, so clients meet realistic strings. */
import type { Prng } from "../random.ts";

export function groupChatId(rng: Prng): string {
  return `19:${rng.hex(32)}@thread.v2`;
}

/** `19:meeting_<base64 of a GUID>@thread.v2`, as in the samples. */
export function meetingChatId(rng: Prng): string {
  return `19:meeting_${Buffer.from(rng.guid()).toString("base64")}@thread.v2`;
}

/** One-on-one chat ids are derived from the two user ids, so a pair has one chat. */
export function oneOnOneChatId(userA: string, userB: string): string {
  const [first, second] = [userA, userB].sort();
  return `19:${first}_${second}@unq.gbl.spaces`;
}

export function chatWebUrl(chatId: string, tenantId: string): string {
  return `https://teams.microsoft.com/l/chat/${encodeURIComponent(chatId)}/0?tenantId=${tenantId}`;
}

/** The common membership id form: base64 of `0##tenant##chat##member`, unique per chat. */
export function membershipId(tenantId: string, chatId: string, memberKey: string): string {
  return Buffer.from(`0##${tenantId}##${chatId}##${memberKey}`).toString("base64");
}

/**
 * The other form seen in samples: an id derived from the user only, so the same
 * membership id appears in every chat of that user (clients must key members by chat).
 */
export function stableMembershipId(salt: string, userId: string): string {
  return Buffer.from(`${salt}##${userId}`).toString("base64");
}

export function operationId(tenantId: string, rng: Prng): string {
  return `${tenantId}-${rng.guid()}-${rng.guid()}`;
}

export function calendarEventId(rng: Prng): string {
  return `AAMkAD${Buffer.from(rng.hex(96), "hex").toString("base64").replace(/\//g, "-")}`;
}

export function meetingJoinUrl(chatId: string, tenantId: string, organizerId: string): string {
  const context = encodeURIComponent(JSON.stringify({ Tid: tenantId, Oid: organizerId }));
  return `https://teams.microsoft.com/l/meetup-join/${encodeURIComponent(chatId)}/0?context=${context}`;
}

/** Message ids are the creation time in epoch milliseconds, as Teams does. */
export function messageId(createdMs: number): string {
  return String(createdMs);
}
