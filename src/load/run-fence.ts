import { sql, type Kysely } from "kysely";
import { DatabaseError, type ErrorContext } from "../errors.ts";
import { TransientDatabaseError, type RetryRule } from "./retryable.ts";
import type { Database } from "./schema.ts";

/**
 * The run lock a run's writes are fenced by (a RunLock from src/schedule is one): its
 * row in teams.sync_locks, the token of this holding, and the holder's own knowledge
 * that it lost the lock.
 */
export interface RunFence {
  readonly name: string;
  readonly token: string;
  /** Aborted once the holder knows it lost the lock; the reason says to whom. */
  readonly lost: AbortSignal;
}

/** The run lock is no longer ours: the run must stop before writing anything more. */
export class RunLockLostError extends DatabaseError {
  constructor(message: string, context: ErrorContext = {}) {
    super(message, { ...context, retryable: false });
  }
}

/**
 * The lock is still ours but its connection is gone (server restart, terminated
 * backend): the holder is re-registering a new one, which takes a moment. Writing
 * meanwhile is not safe (an older binary, which knows only the advisory key, could
 * have taken it), so the write waits.
 */
const REASSERTING: RetryRule = {
  reason: "run lock connection being re-established",
  minDelayMs: 250,
  maxDelayMs: 5_000,
};

/**
 * Checks, inside the write transaction `trx`, that the run still holds its lock and that
 * the lock's connection is alive, and keeps the lock row share-locked until the
 * transaction ends: a takeover (SELECT … FOR UPDATE) waits for this transaction, and
 * every transaction after the takeover sees the new token and stops here. KEY SHARE
 * does not conflict with the holder's own heartbeat (a non-key UPDATE), so heartbeats
 * and writes never wait for each other.
 */
export async function checkRunFence(trx: Kysely<Database>, fence: RunFence): Promise<void> {
  if (fence.lost.aborted) throw lostError(fence.lost.reason);
  const { rows } = await sql<{
    ours: boolean;
    alive: boolean;
    holder_pid: number | null;
    holder_host: string | null;
    backend_pid: number | null;
  }>`
    select l.token is not distinct from ${fence.token}::uuid as ours,
           l.holder_pid, l.holder_host, l.backend_pid,
           (l.backend_pid is not null and exists (
              select 1 from pg_stat_get_activity(l.backend_pid) a
               where a.backend_start is null or a.backend_start = l.backend_start)) as alive
      from teams.sync_locks l
     where l.name = ${fence.name}
       for key share of l`.execute(trx);
  const row = rows[0];
  if (!row?.ours) {
    const by =
      row?.holder_pid != null
        ? `taken over by process ${row.holder_pid} on ${row.holder_host ?? "an unknown host"} (postgres backend pid ${row.backend_pid ?? "unknown"})`
        : "released by someone else";
    throw new RunLockLostError(`the run lock was ${by}: stopping before the next write`);
  }
  if (!row.alive) {
    throw new TransientDatabaseError(
      "database: the run lock's connection is gone; waiting for it to be re-established before writing",
      REASSERTING,
    );
  }
}

/** `fn` in a transaction that first checks the fence (none: a plain transaction). */
export function fencedTransaction<T>(
  db: Kysely<Database>,
  fence: RunFence | undefined,
  fn: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    if (fence) await checkRunFence(trx, fence);
    return fn(trx);
  });
}

function lostError(reason: unknown): RunLockLostError {
  if (reason instanceof RunLockLostError) return reason;
  return new RunLockLostError(
    `the run lock was lost (${reason instanceof Error ? reason.message : String(reason)}): stopping before the next write`,
    { cause: reason },
  );
}
