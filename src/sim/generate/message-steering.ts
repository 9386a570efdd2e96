/**
 * The first ordinary messages of the tenant's first chats are steered, as chats.ts steers
 * the first chats: the first (group) chat shows every kind of message and every kind of
 * change once, the first meeting (which has a member of every subtype) hears from each
 * kind of outsider. The rest is drawn at random.
 */
import type { Steer } from "./message-plan.ts";

const FIRST_CHAT: readonly Steer[] = [
  { kind: "text" },
  { kind: "html" },
  { kind: "mentionUser" },
  { kind: "mentionApp" },
  { kind: "mentionChat" },
  { kind: "image" },
  { kind: "quote" },
  { kind: "messageReference" },
  { kind: "file" },
  { kind: "code" },
  { kind: "forward" },
  { kind: "card" },
  { kind: "botText" },
  { kind: "chatEvent" },
  { kind: "typing" },
  { kind: "text", edited: true },
  { kind: "html", deleted: true },
  { kind: "text", reactions: 4 },
  { kind: "html", policyViolation: true },
  { kind: "text", importance: "high" },
  { kind: "mentionUser", importance: "urgent", reactions: 2, edited: true },
];

/** Member kinds of the first meeting's first senders (`federated`: a member of another tenant). */
const FIRST_MEETING_SENDERS = [
  "anonymousGuestConversationMember",
  "federated",
  "microsoftAccountUserConversationMember",
  "skypeForBusinessUserConversationMember",
  "skypeUserConversationMember",
  "phoneUserConversationMember",
  "azureCommunicationServicesUserConversationMember",
] as const;

export type SteeredSender = (typeof FIRST_MEETING_SENDERS)[number];

/** The forced choice for the `rank`-th ordinary message of the chat created `ordinal`-th. */
export function steerOf(ordinal: number, rank: number): Steer | undefined {
  if (ordinal === 0) return FIRST_CHAT[rank];
  return undefined;
}

export function steeredSender(ordinal: number, rank: number): SteeredSender | undefined {
  return ordinal === 1 ? FIRST_MEETING_SENDERS[rank] : undefined;
}

/** How many ordinary messages at the start of a chat may be steered. */
export const STEERED_RANKS = Math.max(FIRST_CHAT.length, FIRST_MEETING_SENDERS.length);
