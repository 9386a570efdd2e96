import type { Kysely } from "kysely";
import type { Database, DatabaseRetryPolicy } from "../load/index.ts";
import { DEFAULT_TENANT } from "../load/tenants.ts";
import type { Sleep } from "../runtime.ts";
import { acquireRunLock, runLockName, type RunLockTiming } from "../schedule/index.ts";
import type { GraphSource } from "../sync/ports.ts";
import type { SyncOptions } from "../sync/options.ts";
import { pgWarehouse } from "../sync/pg-warehouse.ts";
import { runSync, type RunProgress, type RunSummary } from "../sync/run-sync.ts";
import type { App } from "./app.ts";

export interface LockedSyncIo {
  readonly graph: GraphSource;
  readonly db: Kysely<Database>;
  readonly databaseUrl: string;
  /** Another run holds the warehouse: wait for it (true) or give up (false). */
  readonly waitForLock: boolean;
  readonly signal: AbortSignal;
  readonly progress?: RunProgress;
  /** Lock heartbeat and takeover grace (tests shorten them). */
  readonly lockTiming?: Partial<RunLockTiming>;
  /** The warehouse's retry policy for transient database errors (tests shorten it). */
  readonly retry?: { readonly policy?: DatabaseRetryPolicy; readonly sleep?: Sleep };
  /** The tenant synced (default `default`): its run lock, its runs, watermarks and viewpoints. */
  readonly tenant?: string;
}

export type LockedSyncResult =
  | { readonly kind: "ran"; readonly summary: RunSummary }
  | { readonly kind: "busy"; readonly message: string };

/**
 * One sync or backfill under the warehouse's run lock, so two processes or machines never
 * write at once: every write transaction of the run first checks that the lock is still
 * its own (the fence), and the lock survives a lost connection (its holder re-registers a
 * new one; writes wait for it). If the lock is taken over all the same (this process was
 * gone longer than the grace), the run stops starting users and its next write fails
 * with RunLockLostError.
 */
export async function lockedSync(
  app: Pick<App, "logger">,
  options: SyncOptions,
  io: LockedSyncIo,
): Promise<LockedSyncResult> {
  let busyMessage = "another run holds the warehouse";
  const tenant = io.tenant ?? DEFAULT_TENANT;
  const lock = await acquireRunLock(io.databaseUrl, {
    name: runLockName(tenant),
    wait: io.waitForLock,
    signal: io.signal,
    logger: app.logger,
    ...(io.lockTiming ? { timing: io.lockTiming } : {}),
    onWaiting: (busy) =>
      app.logger.warn({ holder: busy.holder }, `${busy.message}; waiting for it`),
    onBusy: (busy) => {
      busyMessage = busy.message;
    },
  });
  if (!lock) return { kind: "busy", message: busyMessage };
  const onLost = (): void =>
    app.logger.error(
      { err: lock.lost.reason as unknown },
      lock.lost.reason instanceof Error ? lock.lost.reason.message : "the run lock was lost",
    );
  lock.lost.addEventListener("abort", onLost, { once: true });
  try {
    const summary = await runSync(
      {
        graph: io.graph,
        warehouse: pgWarehouse(io.db, {
          logger: app.logger,
          fence: lock,
          tenant,
          ...(io.retry?.policy ? { retry: io.retry.policy } : {}),
          ...(io.retry?.sleep ? { sleep: io.retry.sleep } : {}),
        }),
        logger: app.logger,
        signal: AbortSignal.any([io.signal, lock.lost]),
        ...(io.progress ? { progress: io.progress } : {}),
      },
      options,
    );
    return { kind: "ran", summary };
  } finally {
    lock.lost.removeEventListener("abort", onLost);
    await lock.release();
  }
}
