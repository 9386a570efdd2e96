/**
 * Graph timestamps as Postgres stores them, for comparing warehouse rows with the
 * simulator's ground truth at the database's own precision (microseconds).
 */

const GRAPH_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,7})?Z$/;

/** Graph's "never" / "from the beginning": stored as NULL. */
const NEVER = /^0001-01-01T00:00:00(\.0+)?Z$/;

/**
 * The instant Postgres stores for a Graph timestamp, formatted like {@link PG_INSTANT_SQL}
 * (`2024-06-03T09:00:00.123457Z`, always 6 digits), or null for the sentinel.
 *
 * Postgres parses the fraction with strtod and rounds `frac * 1e6` with rint (half to
 * even in the default rounding mode), so this does the same on the same doubles: a 7th
 * digit of 5 is not always a tie once in binary.
 */
export function pgInstant(graph: string | null): string | null {
  if (graph === null || NEVER.test(graph)) return null;
  const m = GRAPH_TIMESTAMP.exec(graph);
  if (!m) throw new RangeError(`not a UTC Graph timestamp: ${graph}`);
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const wholeMs = Date.UTC(year, month - 1, day, hour, minute, second);
  const fraction = m[7] === undefined ? 0 : rint(Number(`0${m[7]}`) * 1_000_000);
  return formatMicros(BigInt(wholeMs) * 1000n + BigInt(fraction));
}

/** SQL for a timestamptz column in the format of {@link pgInstant}. */
export function pgInstantSql(column: string): string {
  return `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

function formatMicros(micros: bigint): string {
  const seconds = micros / 1_000_000n;
  const fraction = micros % 1_000_000n;
  const iso = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${iso}.${fraction.toString().padStart(6, "0")}Z`;
}

/** C's rint in the default rounding mode: nearest, ties to even. */
function rint(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}
