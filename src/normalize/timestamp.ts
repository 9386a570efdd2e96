/**
 * Graph timestamps: ISO 8601 with 0 to 7 fractional digits and `Z` or an offset
 * (`2021-05-27T21:23:41.9085453Z`, `2020-12-04T23:10:28.51Z`).
 *
 * Rows keep the string exactly as Graph sent it; Postgres parses it into timestamptz and
 * rounds a 7th digit to microseconds (half to even: `.9085453` -> `.908545`). Because
 * that rounding, and JS `Date` (milliseconds), lose digits, watermark comparisons use
 * {@link compareGraphTimestamps}, which works on exact 100 ns ticks.
 *
 * `0001-01-01T00:00:00Z` (with any number of zero fractional digits, any offset) is
 * .NET's DateTime.MinValue, Graph's "never" / "from the beginning": it becomes null.
 * `1970-01-01T00:00:00Z` also appears (visible history) and is a real value, kept.
 */

const PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?(?:Z|([+-])(\d{2}):(\d{2}))$/;

const TICKS_PER_SECOND = 10_000_000n;
const SECONDS_PER_DAY = 86_400n;
/** Days from 0001-01-01 to 1970-01-01 (proleptic Gregorian), the .NET tick epoch offset. */
const DAYS_0001_TO_1970 = 719_162;

export type ParsedGraphTimestamp =
  | {
      readonly ok: true;
      /** The string as Graph sent it. */
      readonly sent: string;
      /** What a row stores: `sent`, or null for the "never" sentinel. */
      readonly value: string | null;
      /** 100 ns ticks since 0001-01-01T00:00:00Z (UTC), exact. */
      readonly ticks: bigint;
    }
  | { readonly ok: false };

/** Validates one Graph timestamp (calendar-checked); never throws. */
export function parseGraphTimestamp(sent: string): ParsedGraphTimestamp {
  const m = PATTERN.exec(sent);
  if (!m) return { ok: false };
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const fraction = m[7] ?? "";
  const sign = m[8] === "-" ? -1 : 1;
  const offsetHours = Number(m[9] ?? "0");
  const offsetMinutes = Number(m[10] ?? "0");
  const valid =
    year >= 1 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHours <= 14 &&
    offsetMinutes <= 59;
  if (!valid) return { ok: false };

  const days = BigInt(daysSinceEpoch(year, month, day) + DAYS_0001_TO_1970);
  const localSeconds = days * SECONDS_PER_DAY + BigInt(hour * 3600 + minute * 60 + second);
  const offsetSeconds = BigInt(sign * (offsetHours * 3600 + offsetMinutes * 60));
  const ticks = (localSeconds - offsetSeconds) * TICKS_PER_SECOND + BigInt(fraction.padEnd(7, "0"));
  // Local 0001-01-01T00:00:00 whatever the offset: .NET's MinValue, never a real instant.
  const never = localSeconds === 0n && !/[1-9]/.test(fraction);
  return { ok: true, sent, value: never ? null : sent, ticks };
}

/** True for a well-formed Graph timestamp, the sentinel included. */
export function isGraphTimestamp(value: string): boolean {
  return parseGraphTimestamp(value).ok;
}

/** True for Graph's "never" sentinel (`0001-01-01T00:00:00Z` and its spellings). */
export function isNeverTimestamp(value: string): boolean {
  const parsed = parseGraphTimestamp(value);
  return parsed.ok && parsed.value === null;
}

/** Exact 100 ns ticks since 0001-01-01T00:00:00Z, or null when `value` is not a timestamp. */
export function graphTimestampTicks(value: string): bigint | null {
  const parsed = parseGraphTimestamp(value);
  return parsed.ok ? parsed.ticks : null;
}

/**
 * Orders two Graph timestamps at 100 ns precision, across offsets and digit counts
 * (`…28.51Z` equals `…28.5100000Z`). Throws a RangeError for a value that is not a
 * Graph timestamp: callers compare values the normalizers already validated.
 */
export function compareGraphTimestamps(a: string, b: string): -1 | 0 | 1 {
  const ta = requireTicks(a);
  const tb = requireTicks(b);
  return ta < tb ? -1 : ta > tb ? 1 : 0;
}

/**
 * The latest of some Graph timestamps (for a watermark), as sent; null when there is
 * none. Nulls and strings that are not timestamps are skipped.
 */
export function latestGraphTimestamp(values: Iterable<string | null>): string | null {
  let best: { sent: string; ticks: bigint } | null = null;
  for (const value of values) {
    if (value === null) continue;
    const parsed = parseGraphTimestamp(value);
    if (parsed.ok && (best === null || parsed.ticks > best.ticks)) {
      best = { sent: parsed.sent, ticks: parsed.ticks };
    }
  }
  return best?.sent ?? null;
}

function requireTicks(value: string): bigint {
  const parsed = parseGraphTimestamp(value);
  if (!parsed.ok) throw new RangeError(`not a Graph timestamp: ${JSON.stringify(value)}`);
  return parsed.ticks;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysSinceEpoch(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}
