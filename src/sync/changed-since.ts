import { graphTimestampTicks } from "../normalize/index.ts";
import type { ChatRow } from "../normalize/rows.ts";

const TICKS_PER_MS = 10_000n;

/**
 * Decides which chats get the expensive follow-up calls for one stream: those new to
 * the user, those whose lastUpdatedDateTime is at or after (watermark - lookback), and
 * those whose timestamp cannot be read. `>=` rather than `>` because several chats can
 * share one timestamp and the watermark is the newest loaded; the lookback absorbs
 * Graph's clocks disagreeing between list and get.
 */
export function changedSince(
  watermarkRaw: string | undefined,
  lookbackMs: number,
): (chat: ChatRow, known: boolean) => boolean {
  const watermark = watermarkRaw === undefined ? null : graphTimestampTicks(watermarkRaw);
  if (watermark === null) return () => true;
  const threshold = watermark - BigInt(lookbackMs) * TICKS_PER_MS;
  return (chat, known) => {
    if (!known) return true;
    const ticks =
      chat.last_updated_raw === null ? null : graphTimestampTicks(chat.last_updated_raw);
    return ticks === null || ticks >= threshold;
  };
}
