import { ConfigError } from "../errors.ts";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Further than any UTC offset (-12h..+14h), so these probes land outside the local day. */
const PROBE_MS = 15 * HOUR_MS;

/** Calendar fields of a wall-clock time; `wallMs` is that time read as if it were UTC. */
export interface WallTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly wallMs: number;
}

/**
 * Where a wall-clock time of one local day falls in real time:
 * - `earlier` is the instant it happens (the first one if the clock shows it twice);
 * - `later` is its second instant when the clock falls back and shows it again;
 * - a time skipped by a spring-forward gap gets `earlier` = the instant the gap ends
 *   (what Vixie cron does: jobs in the skipped hour run right after it), and `inGap`.
 */
export interface WallInstants {
  readonly earlier: number;
  readonly later?: number;
  readonly inGap?: boolean;
}

export interface LocalDay {
  /** Whether the UTC offset changes anywhere near this day (then mapping is not one line). */
  readonly hasTransition: boolean;
  instantsOf(wallMs: number): WallInstants;
}

export interface ZoneClock {
  readonly timeZone: string;
  wallTime(instantMs: number): WallTime;
  localDay(year: number, month: number, day: number): LocalDay;
}

/** The IANA zone this process runs in (what cron uses when no zone is given). */
export function systemTimeZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/**
 * Wall-clock arithmetic for an IANA time zone through Intl.DateTimeFormat. Assumes the
 * offset changes at most once in any ~3-day window, which holds for every zone's rules.
 */
export function createZoneClock(timeZone: string): ZoneClock {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
  } catch {
    throw new ConfigError(
      `unknown time zone "${timeZone}": use an IANA name such as "Europe/Berlin", ` +
        `"America/New_York" or "UTC"`,
    );
  }
  const resolvedZone = format.resolvedOptions().timeZone;

  function wallTime(instantMs: number): WallTime {
    const parts: Record<string, number> = {};
    for (const part of format.formatToParts(instantMs)) {
      if (part.type !== "literal") parts[part.type] = Number(part.value);
    }
    const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
    const wallMs = Date.UTC(year, month - 1, day, hour, minute, second) + mod(instantMs, 1000);
    return { year, month, day, wallMs };
  }

  /** Wall clock minus UTC at an instant. */
  function offsetAt(instantMs: number): number {
    return wallTime(instantMs).wallMs - instantMs;
  }

  function localDay(year: number, month: number, day: number): LocalDay {
    const dayStart = Date.UTC(year, month - 1, day);
    const before = dayStart - PROBE_MS;
    const after = dayStart + DAY_MS + PROBE_MS;
    const offsetBefore = offsetAt(before);
    const offsetAfter = offsetAt(after);
    if (offsetBefore === offsetAfter) {
      return { hasTransition: false, instantsOf: (wallMs) => ({ earlier: wallMs - offsetBefore }) };
    }
    const transition = findTransition(before, after, offsetBefore);
    return {
      hasTransition: true,
      instantsOf(wallMs) {
        const asBefore = wallMs - offsetBefore;
        const asAfter = wallMs - offsetAfter;
        const validBefore = asBefore < transition;
        const validAfter = asAfter >= transition;
        if (validBefore && validAfter) {
          return { earlier: Math.min(asBefore, asAfter), later: Math.max(asBefore, asAfter) };
        }
        if (validBefore) return { earlier: asBefore };
        if (validAfter) return { earlier: asAfter };
        return { earlier: transition, inGap: true };
      },
    };
  }

  /** The first instant (whole second) with the new offset, by bisection. */
  function findTransition(lowMs: number, highMs: number, offsetLow: number): number {
    let low = Math.floor(lowMs / 1000);
    let high = Math.ceil(highMs / 1000);
    while (high - low > 1) {
      const mid = Math.floor((low + high) / 2);
      if (offsetAt(mid * 1000) === offsetLow) low = mid;
      else high = mid;
    }
    return high * 1000;
  }

  return Object.freeze({ timeZone: resolvedZone, wallTime, localDay });
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}
