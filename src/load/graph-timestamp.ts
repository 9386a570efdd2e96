/**
 * Orders ISO 8601 timestamps at full precision. Graph sends up to 7 fractional digits;
 * timestamptz (and Date) keep fewer, so two values equal there may still differ, and
 * the strings do not sort as text ("…41.9Z" is after "…41.95Z" as text).
 */
export function compareTimestamps(a: string, b: string): number {
  const x = parseTimestamp(a);
  const y = parseTimestamp(b);
  return Math.sign(x.seconds - y.seconds) || Math.sign(x.nanos - y.nanos);
}

const ISO =
  /^(\d{4,}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?)(?:[.,](\d+))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Whole seconds since the epoch, and the nanoseconds past them (digits beyond 9 cut). */
export function parseTimestamp(text: string): { seconds: number; nanos: number } {
  const m = ISO.exec(text.trim());
  if (!m) throw new Error(`not an ISO 8601 timestamp: ${JSON.stringify(text)}`);
  const [, base = "", fraction = "", zone = "Z"] = m;
  const offset = /^[+-]\d{2}$/.test(zone)
    ? `${zone}:00`
    : zone.replace(/^([+-]\d{2})(\d{2})$/, "$1:$2");
  const ms = Date.parse(`${base.replace(" ", "T")}${offset.toUpperCase()}`);
  if (Number.isNaN(ms)) throw new Error(`not an ISO 8601 timestamp: ${JSON.stringify(text)}`);
  return { seconds: ms / 1000, nanos: Number(fraction.slice(0, 9).padEnd(9, "0")) };
}
