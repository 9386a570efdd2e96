/**
 * Graph timestamps: .NET-style round-trip strings with 0 to 7 fractional digits and the
 * trailing zeros trimmed (`…28.51Z`, `…41.9085453Z`, `…54Z`). The simulator keeps them as
 * strings so what it sends is exactly what the ground truth says.
 */
import type { GraphTimestamp } from "./model.ts";
import type { Prng } from "./random.ts";

/**
 * Formats an instant. `subMillis` supplies the 4 digits below the millisecond (100 ns
 * ticks), so 7-digit values look like Graph's; `fractionDigits` truncates (0..7).
 */
export function formatGraphTime(
  ms: number,
  fractionDigits = 3,
  subMillis = "0000",
): GraphTimestamp {
  const iso = new Date(Math.floor(ms)).toISOString();
  const fraction = (iso.slice(20, 23) + subMillis.padEnd(4, "0")).slice(0, fractionDigits);
  const trimmed = fraction.replace(/0+$/, "");
  return `${iso.slice(0, 19)}${trimmed === "" ? "" : `.${trimmed}`}Z`;
}

/** Milliseconds since the epoch (sub-millisecond digits dropped). */
export function graphTimeToMs(value: GraphTimestamp): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new RangeError(`not a timestamp: ${value}`);
  return ms;
}

/** A realistic spread of fractional digit counts: mostly 3, often 7, sometimes fewer. */
export function randomFractionDigits(rng: Prng): number {
  return Number(rng.weighted(FRACTION_DIGIT_WEIGHTS));
}
const FRACTION_DIGIT_WEIGHTS = { 3: 45, 7: 25, 2: 10, 1: 5, 0: 5, 4: 4, 5: 3, 6: 3 } as const;

/** Formats `ms` with a random digit count and random sub-millisecond ticks. */
export function randomGraphTime(rng: Prng, ms: number): GraphTimestamp {
  return formatGraphTime(ms, randomFractionDigits(rng), rng.digits(4));
}
