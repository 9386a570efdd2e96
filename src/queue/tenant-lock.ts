import {
  DEFAULT_RUN_LOCK_TIMING,
  acquireRunLock,
  runLockName,
  type RunLock,
} from "../schedule/index.ts";
import type { WorkContext } from "./work-context.ts";

/** The tenant's run lock is held by a sync outside the queue: the job runs again later. */
export class TenantBusyError extends Error {}

/**
 * Every job of a tenant runs under the tenant's run lock, the one `sync` takes: a job and
 * an in-process sync of the same tenant never write at once, and every write of the job
 * is fenced by the lock. Jobs of one tenant already run one at a time (its queue), so the
 * lock is normally free; a job waits a little longer than the takeover grace, so that a
 * lock left by a killed worker is taken over, and otherwise gives up (graphile-worker
 * retries the job with backoff).
 */
export async function withTenantLock<T>(
  ctx: WorkContext,
  tenant: string,
  signal: AbortSignal,
  fn: (lock: RunLock) => Promise<T>,
): Promise<T> {
  const grace = ctx.lockTiming?.takeoverGraceMs ?? DEFAULT_RUN_LOCK_TIMING.takeoverGraceMs;
  let busy = `the run lock of tenant ${tenant} is held`;
  const lock = await acquireRunLock(ctx.databaseUrl, {
    name: runLockName(tenant),
    wait: true,
    timeoutMs: grace + 15_000,
    signal,
    logger: ctx.logger,
    ...(ctx.lockTiming ? { timing: ctx.lockTiming } : {}),
    applicationName: `teams-chat-sync worker tenant=${tenant} pid=${process.pid}`,
    onWaiting: (holder) => ctx.logger.info({ tenant }, `${holder.message}; waiting for it`),
    onBusy: (holder) => {
      busy = holder.message;
    },
  });
  if (!lock) throw new TenantBusyError(`tenant ${tenant}: ${busy}; the job runs again later`);
  try {
    return await fn(lock);
  } finally {
    await lock.release();
  }
}
