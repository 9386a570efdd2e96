export { parseCronExpression, systemTimeZone, type CronSchedule } from "./cron-expression.ts";
export { CRON_HELP } from "./cron-syntax.ts";
export {
  acquireRunLock,
  DEFAULT_RUN_LOCK_TIMING,
  describeRunLockHolder,
  findRunLockHolder,
  RUN_LOCK_KEY,
  RUN_LOCK_NAME,
  runLockName,
  type AcquireRunLockOptions,
  type RunLock,
  type RunLockBusy,
  type RunLockHolder,
  type RunLockTiming,
} from "./run-lock.ts";
export {
  runScheduler,
  type SchedulerDeps,
  type SchedulerLogger,
  type SchedulerOptions,
} from "./scheduler.ts";
