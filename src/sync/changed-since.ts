import { graphTimestampTicks } from "../normalize/index.ts";

const TICKS_PER_MS = 10_000n;

/**
 * Decides which chats of a user's listing need a stream's follow-up call (full members,
 * operations). Two tests, both needed:
 * - the user's watermark for the stream, minus a lookback, bounds the candidates: chats
 *   whose lastUpdatedDateTime is at or after it (`>=`: several chats can share the newest
 *   timestamp; the lookback absorbs Graph's clocks disagreeing between list and get);
 * - among them, a chat whose listed lastUpdatedDateTime equals the value its follow-up was
 *   last loaded at (its mark) is unchanged and skipped, so an unchanged night costs the
 *   listings only. A missing or unreadable value is a change.
 * With no watermark (first run, new user, backfill) every chat is a candidate.
 */
export function followUpNeeded(
  watermarkRaw: string | undefined,
  lookbackMs: number,
): (lastUpdatedRaw: string | null, mark: string | null | undefined) => boolean {
  const watermark = watermarkRaw === undefined ? null : graphTimestampTicks(watermarkRaw);
  const threshold = watermark === null ? null : watermark - BigInt(lookbackMs) * TICKS_PER_MS;
  return (lastUpdatedRaw, mark) => {
    const listed = lastUpdatedRaw === null ? null : graphTimestampTicks(lastUpdatedRaw);
    if (listed === null) return true;
    if (threshold !== null && listed < threshold) return false;
    const loaded = mark == null ? null : graphTimestampTicks(mark);
    return loaded === null || loaded !== listed;
  };
}
