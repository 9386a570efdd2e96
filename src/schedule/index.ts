export { parseCronExpression, systemTimeZone, type CronSchedule } from "./cron-expression.ts";
export { CRON_HELP } from "./cron-syntax.ts";
export {
  acquireRunLock,
  describeRunLockHolder,
  findRunLockHolder,
  RUN_LOCK_KEY,
  RUN_LOCK_NAME,
  type AcquireRunLockOptions,
  type RunLock,
  type RunLockBusy,
  type RunLockHolder,
} from "./run-lock.ts";
export {
  runScheduler,
  type SchedulerDeps,
  type SchedulerLogger,
  type SchedulerOptions,
} from "./scheduler.ts";
