import { randomUUID } from "node:crypto";
import os from "node:os";
import type { Kysely } from "kysely";
import { DatabaseError, type ErrorContext } from "../errors.ts";
import {
  closeAbandonedRuns,
  fencedTransaction,
  findResumableBackfill,
  finishRun,
  loadChatBatch,
  loadMessagePage,
  readMessageCursors,
  loadUserRows,
  totalWrites,
  markDeletedChats,
  markUserFailed,
  pendingOperations,
  readFollowUpMarks,
  readWatermarks,
  recordFailure,
  reopenRun,
  startRun,
  TableStatistics,
  withRetry,
  type Database,
  type DatabaseRetryPolicy,
  type RunFence,
} from "../load/index.ts";
import { DEFAULT_TENANT } from "../load/tenants.ts";
import type { Sleep } from "../runtime.ts";
import type { Logger } from "../log.ts";
import type { Stream } from "./ports.ts";
import type { Warehouse } from "./warehouse.ts";

/**
 * Attempts per warehouse operation. At the server-gone delays (1, 2, 4, 8, 16, 30 s,
 * each jittered to between half and all of it) six waits ride out a restart of 30 s or
 * more; contention (deadlocks, serialization) retries within a few seconds.
 */
export const WAREHOUSE_RETRY: DatabaseRetryPolicy = Object.freeze({ maxAttempts: 7 });

export interface PgWarehouseOptions {
  /** Each retry is logged as a warning: the operation, SQLSTATE or reason, attempt, delay. */
  readonly logger?: Logger;
  /**
   * The run lock that every write transaction of the run checks first (RunLockLostError
   * once another run holds it). None: unfenced, for tests and benchmarks.
   */
  readonly fence?: RunFence;
  readonly retry?: DatabaseRetryPolicy;
  readonly sleep?: Sleep;
  /** [0, 1), for the retry jitter; injected so tests get fixed delays. */
  readonly random?: () => number;
  /**
   * The tenant the runs sync (default `default`, the tenant of the environment): runs,
   * watermarks, cursors and viewpoints are its own.
   */
  readonly tenant?: string;
}

/**
 * The orchestrator's warehouse port over the load stage's SQL operations. Every
 * operation, read or write, goes through one retry policy for transient database errors
 * (connection lost, server restarting, deadlock...), and fails only with a classified
 * DatabaseError (`sqlState` kept, so a data error of one chat can be told from an
 * outage). Each retried operation is idempotent, so a retry after a commit whose
 * acknowledgement was lost changes nothing: upserts write only what differs, a run is
 * started under a key chosen once (startRun returns the same run for it), and a failure
 * is recorded under its time, once.
 */
export function pgWarehouse(db: Kysely<Database>, options: PgWarehouseOptions = {}): Warehouse {
  const { logger, fence } = options;
  const tenant = options.tenant ?? DEFAULT_TENANT;
  const statistics = new TableStatistics(db, (error) =>
    logger?.debug({ err: error }, "refreshing planner statistics failed"),
  );
  const retried = retrying(options);
  const loadOptions = { tenant, ...(fence ? { fence } : {}) };
  /** A write of the run: in a transaction that first checks the run still holds its lock. */
  const write = <T>(what: string, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> =>
    retried(what, () => fencedTransaction(db, fence, fn));
  return {
    startRun(input) {
      const startKey = randomUUID();
      return write("start the run", async (trx) => {
        const started = await startRun(trx, {
          ...input,
          tenant,
          pid: process.pid,
          host: os.hostname(),
          startKey,
        });
        return started.runId;
      });
    },
    // Fenced: only a run that holds the lock may decide the others' holders are gone.
    closeAbandonedRuns: () =>
      write("close abandoned runs", (trx) => closeAbandonedRuns(trx, tenant)),
    reopenBackfill: () =>
      write("reopen the backfill", async (trx) => {
        const run = await findResumableBackfill(trx, tenant);
        if (!run) return null;
        await reopenRun(trx, run.runId);
        return { runId: run.runId, done: run.done, counts: run.counts };
      }),
    // The run's own record: not fenced, so that a run that lost its lock still says how
    // it ended (it touches no row another run writes).
    async finishRun(runId, status, counts, error) {
      if (status === "running") throw new Error("a run cannot finish as running");
      await retried("record the end of the run", () =>
        finishRun(db, runId, {
          status,
          error,
          counts: {
            users_total: counts.usersTotal,
            users_succeeded: counts.usersSucceeded,
            users_failed: counts.usersFailed,
            chats_seen: counts.chatsSeen,
            requests: counts.requests,
            throttled: counts.throttled,
            rows_written: counts.rowsWritten,
            rejects: counts.rejects,
          },
        }),
      );
    },
    // Not fenced either (the run's own bookkeeping), and idempotent: `at` is fixed once.
    async recordFailure(failure) {
      const at = new Date();
      const context = failure.userId ? { userId: failure.userId } : {};
      await retried(
        "record a failure",
        () =>
          db.transaction().execute(async (trx) => {
            await recordFailure(trx, { ...failure, at });
            if (failure.userId && failure.stream === "chats") {
              await markUserFailed(trx, failure.runId, failure.userId, failure.error);
            }
          }),
        context,
      );
    },
    readWatermarks: (streams) =>
      retried("read watermarks", async () => {
        const result = new Map<Stream, Map<string, string>>();
        for (const stream of streams) {
          const byUser = new Map<string, string>();
          for (const [userId, watermark] of await readWatermarks(db, stream, tenant))
            byUser.set(userId, watermark.raw);
          result.set(stream, byUser);
        }
        return result;
      }),
    followUpMarks: (chatIds, streams) =>
      retried("read follow-up marks", () => readFollowUpMarks(db, chatIds, streams)),
    pendingOperations: (runId) =>
      retried("read pending operations", () => pendingOperations(db, runId)),
    async loadChats(batch) {
      const result = await retried(
        "load shared chat rows",
        () => loadChatBatch(db, batch, loadOptions),
        batch.userId === null ? {} : { userId: batch.userId },
      );
      await statistics.inserted(result.tables);
      return totalWrites(result);
    },
    async loadUser(rows) {
      const result = await retried("load the user", () => loadUserRows(db, rows, loadOptions), {
        userId: rows.userId,
      });
      await statistics.inserted(result.tables);
      return totalWrites(result);
    },
    messageCursors: () => retried("read message cursors", () => readMessageCursors(db, tenant)),
    async loadMessages(page) {
      const result = await retried(
        "load messages",
        () => loadMessagePage(db, page, loadOptions),
        page.userId === null ? {} : { userId: page.userId },
      );
      await statistics.inserted(result.tables);
      return totalWrites(result);
    },
    async markDeletedChats(at) {
      const result = await retried("mark deleted chats", () =>
        markDeletedChats(db, at, fence ? { fence } : {}),
      );
      return result.deleted;
    },
  };
}

type Retried = <T>(what: string, fn: () => Promise<T>, context?: ErrorContext) => Promise<T>;

/** The one retry policy of the port, with a warning per retry; errors end as DatabaseError. */
function retrying(options: PgWarehouseOptions): Retried {
  const policy = options.retry ?? WAREHOUSE_RETRY;
  return async (what, fn, context = {}) => {
    try {
      return await withRetry(() => fn(), policy, options.sleep, {
        context,
        ...(options.random ? { random: options.random } : {}),
        onRetry: (error, attempt, delayMs, rule) =>
          options.logger?.warn(
            {
              operation: what,
              sqlState: error.sqlState ?? null,
              reason: rule.reason,
              attempt,
              maxAttempts: policy.maxAttempts,
              delayMs,
              ...context,
              error: error.message,
            },
            `database: ${what} failed (${error.sqlState ? `${error.sqlState} ` : ""}${rule.reason}), retrying in ${delayMs} ms (attempt ${attempt} of ${policy.maxAttempts})`,
          ),
      });
    } catch (error) {
      if (error instanceof DatabaseError) throw error;
      // Not a database error (a bug below): still the port's one kind of failure.
      throw new DatabaseError(
        `database: ${what}: ${error instanceof Error ? error.message : String(error)}`,
        { ...context, cause: error, retryable: false },
      );
    }
  };
}
