/**
 * The first draws of a message's own PRNG stream: what kind of message it is and what
 * happened to it after it was posted (an edit, reactions added and removed, deletion),
 * with their times. The skeleton of a chat needs only this (for `lastModifiedDateTime`);
 * the full message continues the same stream for its content, so both agree.
 */
import type { Prng } from "../random.ts";
import { compareKeys, keyOf, type TimeKey } from "../messages/time-key.ts";

export type MessageKind =
  | "text"
  | "html"
  | "mentionUser"
  | "mentionApp"
  | "mentionChat"
  | "image"
  | "quote"
  | "messageReference"
  | "file"
  | "code"
  | "forward"
  | "card"
  | "botText"
  | "chatEvent"
  | "typing";

/** Where a message sits in its chat's story. */
export type MessageRole =
  | { readonly type: "ordinary"; readonly botsPost: boolean; readonly steer?: Steer }
  | { readonly type: "system" }
  /** The newest message, which the chat's preview shows: its kind is given. */
  | { readonly type: "preview"; readonly deleted: boolean; readonly system: boolean };

/** Forced choices for the first messages of the first chats, so a small tenant shows everything. */
export interface Steer {
  readonly kind: MessageKind;
  readonly edited?: boolean;
  readonly deleted?: boolean;
  readonly reactions?: number;
  readonly importance?: "high" | "urgent";
  readonly policyViolation?: boolean;
}

export interface ReactionTimes {
  readonly added: TimeKey;
  readonly removed: TimeKey | null;
}

export interface MessagePlan {
  readonly kind: MessageKind | "system" | "preview";
  readonly edited: TimeKey | null;
  readonly deleted: TimeKey | null;
  readonly reactions: readonly ReactionTimes[];
  /** The latest of creation and every change: `lastModifiedDateTime`. */
  readonly modified: TimeKey;
}

const USER_KINDS = {
  text: 48,
  html: 12,
  mentionUser: 8,
  mentionChat: 1.5,
  image: 4,
  quote: 3,
  messageReference: 2,
  file: 4,
  code: 1.5,
  forward: 1,
  chatEvent: 0.3,
  typing: 0.2,
} as const satisfies Partial<Record<MessageKind, number>>;

const WITH_BOTS = { ...USER_KINDS, card: 3, botText: 3, mentionApp: 1 } as const;

const REACTION_COUNTS = { 1: 55, 2: 25, 3: 12, 4: 8 } as const;

const MINUTE = 60_000;
const DAY = 86_400_000;

export function drawPlan(
  rng: Prng,
  role: MessageRole,
  created: TimeKey,
  idMs: number,
  nowMs: number,
): MessagePlan {
  if (role.type === "system") {
    return { kind: "system", edited: null, deleted: null, reactions: [], modified: created };
  }
  const steer = role.type === "ordinary" ? role.steer : undefined;
  const kind: MessagePlan["kind"] =
    role.type === "preview"
      ? "preview"
      : (steer?.kind ?? rng.weighted<MessageKind>(role.botsPost ? WITH_BOTS : USER_KINDS));
  const mutable =
    kind !== "chatEvent" && kind !== "typing" && !(role.type === "preview" && role.system);
  const latest = nowMs - 1;
  const after = (minMs: number, maxMs: number): TimeKey | null => {
    const ms = Math.min(latest, idMs + logUniform(rng, minMs, maxMs));
    return ms > idMs ? keyOf(ms, rng.int(3, 7), rng.digits(4)) : null;
  };

  const deleteRoll = rng.next();
  const deleted =
    role.type === "preview"
      ? role.deleted
        ? after(MINUTE, 2 * DAY)
        : null
      : mutable && (steer?.deleted ?? deleteRoll < 0.02)
        ? after(MINUTE, 10 * DAY)
        : null;
  const before = (key: TimeKey | null): TimeKey | null =>
    key === null || deleted === null || compareKeys(key, deleted) < 0 ? key : null;
  const editRoll = rng.next();
  const edited =
    mutable && (steer?.edited ?? editRoll < 0.04) ? before(after(10_000, 2 * DAY)) : null;
  const reactionRoll = rng.next();
  const count =
    steer?.reactions ??
    (mutable && reactionRoll < 0.12 ? Number(rng.weighted(REACTION_COUNTS)) : 0);
  const reactions: ReactionTimes[] = [];
  for (let i = 0; i < count; i++) {
    const added = before(after(5_000, 3 * DAY));
    if (added === null) continue;
    const removeRoll = rng.next();
    const removedAt =
      (steer?.reactions !== undefined && i === 0) || removeRoll < 0.15
        ? Math.min(latest, added.ms + logUniform(rng, MINUTE, DAY))
        : null;
    const removed =
      removedAt !== null && removedAt > added.ms
        ? before(keyOf(removedAt, rng.int(3, 7), rng.digits(4)))
        : null;
    reactions.push({ added, removed });
  }
  let modified = created;
  for (const key of [edited, deleted, ...reactions.flatMap((r) => [r.added, r.removed])]) {
    if (key !== null && compareKeys(key, modified) > 0) modified = key;
  }
  return { kind, edited, deleted, reactions, modified };
}

/** A delay between min and max ms, most of them short. */
function logUniform(rng: Prng, minMs: number, maxMs: number): number {
  return Math.floor(minMs * (maxMs / minMs) ** rng.next());
}
