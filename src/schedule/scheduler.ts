import { ConfigError } from "../errors.ts";
import { systemClock, type Clock } from "../runtime.ts";
import { parseCronExpression, type CronSchedule } from "./cron-expression.ts";
import { CRON_HELP } from "./cron-syntax.ts";
import { sleepUntil } from "./sleep-until.ts";

export interface SchedulerOptions {
  /** 5 or 6 fields, e.g. "0 2 * * *"; see cron-expression.ts for the exact semantics. */
  readonly cron: string;
  /** IANA zone the expression is read in; default: the system's zone. */
  readonly timezone?: string;
  /** Run once at start if a tick was missed while the scheduler was down. Default true. */
  readonly catchUp?: boolean;
}

/** The parts of a pino logger the scheduler uses. */
export interface SchedulerLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface SchedulerDeps {
  readonly runOnce: (trigger: "cron") => Promise<{ readonly status: string }>;
  /** Start of the last run recorded in the warehouse (cron or manual); null if none. */
  readonly lastRunStartedAt: () => Promise<Date | null>;
  readonly logger: SchedulerLogger;
  readonly now?: Clock;
  /** Abort (SIGTERM/SIGINT) stops scheduling; the run in flight is awaited, then we resolve. */
  readonly signal: AbortSignal;
}

/**
 * A run that started up to this long after the tick still counts for it: `started_at` is
 * written by the run, possibly on another machine, so clocks may disagree by this much.
 */
const CLOCK_SKEW_TOLERANCE_MS = 60_000;
/** A tick fired this late (suspend, clock jump) is logged as such. */
const LATE_TICK_WARN_MS = 60_000;

/**
 * Long-running: calls `runOnce` on every tick of the cron expression, one run at a time.
 * A tick that comes while a run is going is skipped (logged), never overlapped. At start,
 * if the last recorded run is older than the most recent tick, runs once to catch up
 * (once, however many ticks were missed). Resolves after `signal` aborts and the run in
 * flight, if any, has finished. Throws ConfigError for a bad expression or time zone.
 */
export async function runScheduler(options: SchedulerOptions, deps: SchedulerDeps): Promise<void> {
  const schedule = parseSchedule(options);
  const now = deps.now ?? systemClock;
  const { logger, signal } = deps;
  const base = { cron: schedule.expression, timezone: schedule.timeZone };

  let nextTick = schedule.next(now());
  if (nextTick === null) {
    throw new ConfigError(`cron expression "${options.cron}" never fires. ${CRON_HELP}`);
  }
  interface Run {
    readonly reason: "tick" | "catch-up";
    readonly startedAt: Date;
    done: Promise<void>;
  }
  let inFlight: Run | null = null as Run | null;

  const startRun = (reason: Run["reason"], tick: Date): void => {
    const run: Run = { reason, startedAt: now(), done: Promise.resolve() };
    inFlight = run;
    logger.info({ ...base, reason, tick: tick.toISOString() }, "scheduled run starting");
    run.done = (async () => {
      try {
        const { status } = await deps.runOnce("cron");
        const durationMs = now().getTime() - run.startedAt.getTime();
        const level = status === "succeeded" ? "info" : status === "failed" ? "error" : "warn";
        logger[level]({ ...base, reason, status, durationMs }, "scheduled run finished");
      } catch (error) {
        logger.error({ ...base, reason, err: error }, "scheduled run threw");
      } finally {
        if (inFlight === run) inFlight = null;
        if (!signal.aborted) logNext("next run");
      }
    })();
  };

  const logNext = (message: string): void => {
    logger.info({ ...base, nextRunAt: nextTick?.toISOString() ?? null }, message);
  };

  logNext("scheduler started");
  if (signal.aborted) return stop();

  if (options.catchUp ?? true) {
    const missed = await missedTick(schedule, deps, now());
    if (missed && !signal.aborted) startRun("catch-up", missed);
  }

  while (nextTick !== null && !signal.aborted) {
    const tick = nextTick;
    await sleepUntil(tick, now, signal);
    if (signal.aborted) break;
    const current = now();
    const lateMs = current.getTime() - tick.getTime();
    // After a long sleep (suspend, clock jump) every tick passed meanwhile is covered by this
    // one run: the next tick is the first one after now, not after this tick.
    nextTick = schedule.next(current);
    if (lateMs > LATE_TICK_WARN_MS) {
      logger.warn(
        { ...base, tick: tick.toISOString(), lateMs },
        "tick fired late (the process was asleep or the clock jumped); ticks passed meanwhile are not run again",
      );
    }
    if (inFlight) {
      logger.warn(
        {
          ...base,
          tick: tick.toISOString(),
          runningSince: inFlight.startedAt.toISOString(),
          runningReason: inFlight.reason,
          nextRunAt: nextTick?.toISOString() ?? null,
        },
        "tick skipped: the previous run is still going",
      );
    } else {
      startRun("tick", tick);
    }
  }
  return stop();

  async function stop(): Promise<void> {
    const running = inFlight;
    if (running) {
      logger.info(
        { ...base, runningSince: running.startedAt.toISOString() },
        "stopping: waiting for the run in flight to finish",
      );
      await running.done;
    }
    logger.info(base, "scheduler stopped");
  }
}

function parseSchedule(options: SchedulerOptions): CronSchedule {
  if (typeof options.cron !== "string" || options.cron.trim() === "") {
    throw new ConfigError(`no cron expression given. ${CRON_HELP}`);
  }
  return parseCronExpression(options.cron, options.timezone);
}

/** The most recent tick, if no run has started since it (allowing for clock skew). */
async function missedTick(
  schedule: CronSchedule,
  deps: SchedulerDeps,
  now: Date,
): Promise<Date | null> {
  const base = { cron: schedule.expression, timezone: schedule.timeZone };
  const lastTick = schedule.previous(now);
  if (lastTick === null) return null;
  let lastRun: Date | null;
  try {
    lastRun = await deps.lastRunStartedAt();
  } catch (error) {
    deps.logger.error({ ...base, err: error }, "could not read the last run; no catch-up");
    return null;
  }
  if (lastRun === null) {
    // Like graphile-worker with a new cron item: nothing was missed by a schedule that never ran.
    deps.logger.info({ ...base }, "no run recorded yet; the first run waits for the next tick");
    return null;
  }
  if (lastRun.getTime() >= lastTick.getTime() - CLOCK_SKEW_TOLERANCE_MS) return null;
  deps.logger.info(
    { ...base, missedTick: lastTick.toISOString(), lastRunStartedAt: lastRun.toISOString() },
    "a tick was missed while the scheduler was down; catching up with one run now",
  );
  return lastTick;
}
