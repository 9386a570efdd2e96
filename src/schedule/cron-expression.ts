import { parseCronFields, type CronFields } from "./cron-fields.ts";
import { createZoneClock, systemTimeZone, type LocalDay, type ZoneClock } from "./zone-clock.ts";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Feb 29 can be 8 years away (2096 -> 2104); past that an expression never fires. */
const MAX_SEARCH_DAYS = 366 * 9;

/**
 * A parsed cron expression in a time zone: pure cron arithmetic, no timers.
 *
 * Semantics (those of Vixie cron, which differ from node-cron's on the marked points):
 * - Fields match the wall clock of `timeZone`.
 * - Day-of-month and day-of-week: if both are restricted (neither starts with `*`), a day
 *   matches when EITHER matches, as crontab(5) says (node-cron requires both).
 * - Spring forward: a time in the skipped hour fires once, at the instant the gap ends, so
 *   `30 2 * * *` in Europe/Berlin runs at 03:00 on that day (node-cron skips the day).
 * - Fall back: a time in the repeated hour fires at its first occurrence only, so a nightly
 *   job runs once; an expression whose hour field allows every hour fires at both
 *   occurrences, so `*\/15 * * * *` keeps its 15-minute spacing in real time.
 * - Ticks are instants; two wall times mapping to one instant are one tick.
 */
export interface CronSchedule {
  readonly expression: string;
  readonly timeZone: string;
  /** The first tick strictly after `after`; null if it never fires (e.g. `0 0 30 2 *`). */
  next(after: Date): Date | null;
  /** The last tick at or before `atOrBefore`; null if there is none within ~9 years. */
  previous(atOrBefore: Date): Date | null;
}

/** Throws ConfigError for an invalid expression or unknown time zone (default: the system's). */
export function parseCronExpression(expression: string, timeZone?: string): CronSchedule {
  const fields = parseCronFields(expression);
  const zone = createZoneClock(timeZone ?? systemTimeZone());
  const repeatsInFold = fields.hour.values.length === 24;

  function matchesDay(year: number, month: number, day: number): boolean {
    if (!fields.month.allows(month)) return false;
    if (day > daysInMonth(year, month)) return false;
    const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
    const byMonthDay = fields.dayOfMonth.allows(day);
    const byWeekDay = fields.dayOfWeek.allows(weekday);
    if (!fields.dayOfMonth.star && !fields.dayOfWeek.star) return byMonthDay || byWeekDay;
    return byMonthDay && byWeekDay;
  }

  function next(after: Date): Date | null {
    const bound = after.getTime();
    const start = zone.wallTime(bound);
    // From the day before: a gap at midnight can map yesterday's times onto today.
    let dayStart = Date.UTC(start.year, start.month - 1, start.day) - DAY_MS;
    for (let i = 0; i < MAX_SEARCH_DAYS; i++, dayStart += DAY_MS) {
      const found = searchDay(zone, fields, matchesDay, repeatsInFold, dayStart, bound, "next");
      if (found !== null) return new Date(found);
    }
    return null;
  }

  function previous(atOrBefore: Date): Date | null {
    const bound = atOrBefore.getTime();
    const start = zone.wallTime(bound);
    let dayStart = Date.UTC(start.year, start.month - 1, start.day) + DAY_MS;
    for (let i = 0; i < MAX_SEARCH_DAYS; i++, dayStart -= DAY_MS) {
      const found = searchDay(zone, fields, matchesDay, repeatsInFold, dayStart, bound, "previous");
      if (found !== null) return new Date(found);
    }
    return null;
  }

  return Object.freeze({ expression, timeZone: zone.timeZone, next, previous });
}

/**
 * The earliest tick of one local day after `bound` ("next"), or its latest at or before
 * `bound` ("previous"). Every instant a day maps to lies between the neighbouring days'
 * instants, so the first day that has one holds the answer.
 */
function searchDay(
  zone: ZoneClock,
  fields: CronFields,
  matchesDay: (year: number, month: number, day: number) => boolean,
  repeatsInFold: boolean,
  dayStart: number,
  bound: number,
  direction: "next" | "previous",
): number | null {
  const date = new Date(dayStart);
  const [year, month, day] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
  if (!matchesDay(year, month, day)) return null;
  const local = zone.localDay(year, month, day);
  if (!local.hasTransition) return searchSteadyDay(local, fields, dayStart, bound, direction);

  // The offset changes today: gap and fold break the order of wall times, so look at all.
  let best: number | null = null;
  for (const wallMs of wallTimesOfDay(fields, dayStart)) {
    const { earlier, later } = local.instantsOf(wallMs);
    for (const instant of repeatsInFold && later !== undefined ? [earlier, later] : [earlier]) {
      if (direction === "next" ? instant > bound : instant <= bound) {
        if (best === null || (direction === "next" ? instant < best : instant > best)) {
          best = instant;
        }
      }
    }
  }
  return best;
}

/** A day with one offset: instants follow wall order, so stop at the first that fits. */
function searchSteadyDay(
  local: LocalDay,
  fields: CronFields,
  dayStart: number,
  bound: number,
  direction: "next" | "previous",
): number | null {
  const forward = direction === "next";
  const order = <T>(values: readonly T[]): readonly T[] =>
    forward ? values : [...values].reverse();
  for (const hour of order(fields.hour.values)) {
    const hourStart = local.instantsOf(dayStart + hour * HOUR_MS).earlier;
    if (forward ? hourStart + HOUR_MS <= bound : hourStart > bound) continue;
    for (const minute of order(fields.minute.values)) {
      for (const second of order(fields.second.values)) {
        const instant = hourStart + (minute * 60 + second) * 1000;
        if (forward ? instant > bound : instant <= bound) return instant;
      }
    }
  }
  return null;
}

function* wallTimesOfDay(fields: CronFields, dayStart: number): Generator<number> {
  for (const hour of fields.hour.values) {
    for (const minute of fields.minute.values) {
      for (const second of fields.second.values) {
        yield dayStart + hour * HOUR_MS + minute * 60_000 + second * 1000;
      }
    }
  }
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
