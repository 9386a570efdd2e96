import { Cron } from "croner";
import { ConfigError } from "../errors.ts";
import { checkCronSyntax, invalidCron } from "./cron-syntax.ts";

/**
 * A parsed cron expression in a time zone: pure cron arithmetic, no timers. croner computes
 * the ticks, with the semantics of Vixie cron (where node-cron differs, as marked):
 * - Fields match the wall clock of `timeZone`.
 * - Day-of-month and day-of-week: if both are restricted (neither starts with `*`), a day
 *   matches when EITHER matches, as crontab(5) says (node-cron requires both).
 * - Spring forward: a fixed time in the skipped hour fires once, right after the gap, so
 *   `30 2 * * *` in Europe/Berlin runs at 03:00 on that day (node-cron skips the day).
 * - Fall back: a fixed time in the repeated hour fires at its first occurrence only, so a
 *   nightly job runs once; an expression with `*` or a step in its time fields fires at both
 *   occurrences, so `*\/15 * * * *` keeps its 15-minute spacing in real time.
 * - Ticks are whole seconds.
 */
export interface CronSchedule {
  readonly expression: string;
  readonly timeZone: string;
  /** The first tick strictly after `after`; null if it never fires (e.g. `0 0 30 2 *`). */
  next(after: Date): Date | null;
  /** The last tick at or before `atOrBefore`; null if there is none. */
  previous(atOrBefore: Date): Date | null;
}

/** The IANA zone this process runs in (what cron uses when no zone is given). */
export function systemTimeZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Throws ConfigError for an invalid expression or unknown time zone (default: the system's). */
export function parseCronExpression(expression: string, timeZone?: string): CronSchedule {
  const { pattern, daysAnded } = checkCronSyntax(expression);
  const zone = resolveTimeZone(timeZone ?? systemTimeZone());
  let cron: Cron;
  try {
    cron = new Cron(pattern, {
      timezone: zone,
      mode: "5-or-6-parts",
      // Vixie cron: the day fields are ORed when both are restricted (croner's legacy mode,
      // `domAndDow: false`); ANDed when either starts with `*`, `*\/2` included.
      domAndDow: daysAnded,
      // Vixie cron: a job is "wild" (both occurrences of a repeated hour, none in a gap)
      // only when a time field has `*` or a step; a list of fixed times is fixed-time.
      fixedTimeRule: "no-wildcard",
    });
  } catch (error) {
    // What the syntax check lets through that croner still refuses: a range that runs
    // backwards, a step of 0, a step after a single number.
    throw invalidCron(expression, error instanceof Error ? error.message : String(error));
  }
  return Object.freeze({
    expression,
    timeZone: zone,
    next: (after: Date) => cron.nextRun(after),
    // croner's previous runs lie before the reference or earlier in its second: one
    // millisecond past the reference's whole second makes a tick at that second count.
    previous: (atOrBefore: Date) =>
      cron.previousRuns(1, new Date(Math.floor(atOrBefore.getTime() / 1000) * 1000 + 1))[0] ?? null,
  });
}

function resolveTimeZone(timeZone: string): string {
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone }).resolvedOptions().timeZone;
  } catch {
    throw new ConfigError(
      `unknown time zone "${timeZone}": use an IANA name such as "Europe/Berlin", ` +
        `"America/New_York" or "UTC"`,
    );
  }
}
