/**
 * How many messages a generated chat holds: heavy-tailed like a real tenant (most chats a
 * handful, a few thousands), plus one very large chat, the tenant's first (always a
 * group chat), so that a client meets a chat of 20,000+ messages in the default tenant.
 */
import type { Prng } from "../random.ts";

export interface MessageVolumeOptions {
  /** Mean message count of an ordinary chat (default 40). */
  readonly perChat?: number;
  /** The tenant's first chat holds this many to 1.2 times this many (default 24,000; 0: ordinary). */
  readonly largestChat?: number;
  /** The next chats that hold 1,500 to 5,000 messages each (default 2). */
  readonly busyChats?: number;
}

export interface MessageVolume {
  readonly perChat: number;
  readonly largestChat: number;
  readonly busyChats: number;
}

export const DEFAULT_MESSAGE_VOLUME: MessageVolume = {
  perChat: 40,
  largestChat: 24_000,
  busyChats: 2,
};

/** Ordinary chats stay below the largest one. */
const ORDINARY_CAP = 15_000;
/** Spread of the log-normal: median about a quarter of the mean. */
const SIGMA = 1.6;
const TYPE_FACTOR: Record<string, number> = { group: 1.15, oneOnOne: 1, meeting: 0.6 };

export function resolveMessageVolume(options: MessageVolumeOptions = {}): MessageVolume {
  const volume = {
    perChat: options.perChat ?? DEFAULT_MESSAGE_VOLUME.perChat,
    largestChat: options.largestChat ?? DEFAULT_MESSAGE_VOLUME.largestChat,
    busyChats: options.busyChats ?? DEFAULT_MESSAGE_VOLUME.busyChats,
  };
  for (const [key, value] of Object.entries(volume)) {
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`messages.${key} must be a non-negative number, got ${String(value)}`);
    }
  }
  return Object.freeze(volume);
}

/** The drawn message count of a chat with a preview (at least 1: the preview itself). */
export function messageCount(
  rng: Prng,
  volume: MessageVolume,
  ordinal: number,
  chatType: string,
): number {
  if (ordinal === 0 && volume.largestChat > 0) {
    return Math.round(volume.largestChat * (1 + 0.2 * rng.next()));
  }
  if (ordinal >= 1 && ordinal <= volume.busyChats) return rng.int(1_500, 5_000);
  if (volume.perChat <= 0) return 1;
  const median = (volume.perChat * (TYPE_FACTOR[chatType] ?? 1)) / Math.exp((SIGMA * SIGMA) / 2);
  const drawn = Math.round(median * Math.exp(SIGMA * normal(rng)));
  return Math.min(ORDINARY_CAP, Math.max(1, drawn));
}

/** A standard normal draw (Box-Muller). */
export function normal(rng: Prng): number {
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
