/**
 * When a chat's messages were posted: between the chat's creation and its preview (the
 * newest message, whose id and time are given), in bursts of conversation separated by
 * quiet stretches. Ids are the creation instants in ms, strictly increasing; the times
 * sent on the wire (0 to 7 fraction digits) never go backwards either, and all stay
 * before the preview's, so the preview is the newest message whatever the precision.
 */
import { randomFractionDigits } from "../graph-time.ts";
import type { SimPreview } from "../model.ts";
import type { Prng } from "../random.ts";
import { compareKeys, keyOf, requireTimeKey, type TimeKey } from "../messages/time-key.ts";

export interface MessageTimes {
  /** Final count (the span between creation and preview may hold fewer than drawn). */
  readonly n: number;
  /** Message ids as numbers: creation instants, strictly increasing; the last is the preview's. */
  readonly idMs: Float64Array;
  /** `createdDateTime` as sent: its key's milliseconds and ticks. */
  readonly createdMs: Float64Array;
  readonly createdTicks: Uint16Array;
}

/** A created time shown with fewer digits can read up to 999 ms earlier than it was. */
const TRUNCATION_MS = 1000;

export function messageTimes(
  rng: Prng,
  chatCreatedDateTime: string,
  preview: SimPreview,
  drawn: number,
  firstSoon: boolean,
): MessageTimes {
  const previewKey = requireTimeKey(preview.createdDateTime);
  const start = requireTimeKey(chatCreatedDateTime).ms + TRUNCATION_MS;
  const end = previewKey.ms - 1;
  const slots = end - start + 1;
  const n = slots <= 0 ? 1 : Math.max(1, Math.min(drawn, slots + 1));
  const idMs = new Float64Array(n);
  const createdMs = new Float64Array(n);
  const createdTicks = new Uint16Array(n);

  const gaps = new Float64Array(n - 1);
  let total = 0;
  for (let i = 0; i < n - 1; i++) {
    // Most gaps are within a burst; one in eight starts a new conversation.
    const mean = i === 0 && firstSoon ? 0.01 : rng.chance(0.875) ? 1 : 40;
    const gap = -Math.log(1 - rng.next()) * mean;
    gaps[i] = gap;
    total += gap;
  }
  const scale = total > 0 ? (slots - (n - 1)) / total : 0;
  let previous = start - 1;
  let previousKey: TimeKey = { ms: Number.NEGATIVE_INFINITY, ticks: 0 };
  for (let i = 0; i < n - 1; i++) {
    const ms = previous + 1 + Math.floor((gaps[i] ?? 0) * scale);
    let key = keyOf(ms, randomFractionDigits(rng), rng.digits(4));
    if (compareKeys(key, previousKey) <= 0) key = keyOf(ms, 7, rng.digits(4));
    idMs[i] = ms;
    createdMs[i] = key.ms;
    createdTicks[i] = key.ticks;
    previous = ms;
    previousKey = key;
  }
  idMs[n - 1] = Number(preview.id);
  createdMs[n - 1] = previewKey.ms;
  createdTicks[n - 1] = previewKey.ticks;
  return { n, idMs, createdMs, createdTicks };
}
