import type { Kysely } from "kysely";
import type { Database } from "../load/index.ts";
import { acquireRunLock } from "../schedule/index.ts";
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
}

export type LockedSyncResult =
  | { readonly kind: "ran"; readonly summary: RunSummary }
  | { readonly kind: "busy"; readonly message: string };

/**
 * One sync or backfill under the warehouse's run lock, so two processes or machines never
 * write at once. The lock lives on its own connection; if that connection dies the run
 * stops starting users (Postgres has released the lock, another run may begin).
 */
export async function lockedSync(
  app: App,
  options: SyncOptions,
  io: LockedSyncIo,
): Promise<LockedSyncResult> {
  let busyMessage = "another run holds the warehouse";
  const lock = await acquireRunLock(io.databaseUrl, {
    wait: io.waitForLock,
    signal: io.signal,
    onWaiting: (busy) =>
      app.logger.warn({ holder: busy.holder }, `${busy.message}; waiting for it`),
    onBusy: (busy) => {
      busyMessage = busy.message;
    },
  });
  if (!lock) return { kind: "busy", message: busyMessage };
  try {
    const summary = await runSync(
      {
        graph: io.graph,
        warehouse: pgWarehouse(io.db, { logger: app.logger }),
        logger: app.logger,
        signal: AbortSignal.any([io.signal, lock.lost]),
        ...(io.progress ? { progress: io.progress } : {}),
      },
      options,
    );
    return { kind: "ran", summary };
  } finally {
    await lock.release();
  }
}
