/**
 * Message timestamps as comparable keys. What a client sees on the wire is the truth: a
 * value sent as `…:41.9Z` is 41.900 for ordering and `$filter`, whatever instant it was
 * drawn from. A key is that value in whole milliseconds plus the 100 ns ticks below
 * them (0..9999), so 7-digit values compare exactly (a double cannot hold both).
 */
import { formatGraphTime } from "../graph-time.ts";
import type { GraphTimestamp } from "../model.ts";

export interface TimeKey {
  readonly ms: number;
  readonly ticks: number;
}

const GRAPH_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/i;

/** The key of a Graph timestamp, or undefined when it is not one. Digits past the 7th are dropped. */
export function parseTimeKey(value: string): TimeKey | undefined {
  const match = GRAPH_TIME.exec(value.trim());
  if (!match) return undefined;
  const [, base = "", fraction = "", zone = "Z"] = match;
  const whole = Date.parse(`${base}${zone.toUpperCase()}`);
  if (Number.isNaN(whole)) return undefined;
  const digits = fraction.padEnd(7, "0").slice(0, 7);
  return { ms: whole + Number(digits.slice(0, 3)), ticks: Number(digits.slice(3)) };
}

export function requireTimeKey(value: GraphTimestamp): TimeKey {
  const key = parseTimeKey(value);
  if (!key) throw new RangeError(`not a Graph timestamp: ${value}`);
  return key;
}

export function compareKeys(a: TimeKey, b: TimeKey): number {
  return a.ms !== b.ms ? a.ms - b.ms : a.ticks - b.ticks;
}

/** The wire text of a key (trailing zeros trimmed, as Graph does). */
export function formatKey(key: TimeKey): GraphTimestamp {
  return formatGraphTime(key.ms, 7, String(key.ticks).padStart(4, "0"));
}

/**
 * The key of an instant shown with `digits` fraction digits (0..7) and `sub`, its four
 * digits below the millisecond: what `formatGraphTime(ms, digits, sub)` sends.
 */
export function keyOf(ms: number, digits: number, sub: string): TimeKey {
  const whole = Math.floor(ms);
  if (digits >= 3) {
    const ticks = Number(
      sub
        .padEnd(4, "0")
        .slice(0, digits - 3)
        .padEnd(4, "0"),
    );
    return { ms: whole, ticks };
  }
  const unit = 10 ** (3 - digits);
  return { ms: whole - (((whole % unit) + unit) % unit), ticks: 0 };
}
