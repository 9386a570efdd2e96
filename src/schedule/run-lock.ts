import { createHash } from "node:crypto";
import { hostname } from "node:os";
import pg from "pg";
import { DatabaseError } from "../errors.ts";

/**
 * The name the run lock's key is derived from. Every version of the program must derive
 * the same key, or an old and a new process would not exclude each other: never change it.
 */
export const RUN_LOCK_NAME = "teams-chat-sync/run";

/**
 * The advisory-lock key: the first 8 bytes of SHA-256(RUN_LOCK_NAME), read as a signed
 * big-endian 64-bit integer (Postgres' bigint). A hash of a name, not a small number, so
 * it does not collide with keys other applications on the same database pick by hand.
 */
export const RUN_LOCK_KEY: bigint = createHash("sha256")
  .update(RUN_LOCK_NAME)
  .digest()
  .readBigInt64BE(0);

/** Who holds the lock, from pg_locks joined to pg_stat_activity (null: not visible to us). */
export interface RunLockHolder {
  /** The Postgres backend pid (what pg_terminate_backend takes). */
  readonly backendPid: number;
  /** Ours reads "teams-chat-sync run-lock pid=<os pid> host=<host>". */
  readonly applicationName: string | null;
  readonly user: string | null;
  readonly clientAddress: string | null;
  readonly connectedAt: Date | null;
  /** Start of the holder's last statement: the lock statement, as the holder runs nothing else. */
  readonly lockedSince: Date | null;
}

export interface RunLockBusy {
  /** Null when the holder let go before we could look, or its row is hidden from us. */
  readonly holder: RunLockHolder | null;
  /** One line for logs and the terminal, naming the holder. */
  readonly message: string;
}

export interface AcquireRunLockOptions {
  /** false: return null at once if another run holds the lock. true: wait for it. */
  readonly wait: boolean;
  /** With wait: give up (return null) after this long. Default: wait indefinitely. */
  readonly timeoutMs?: number;
  /** With wait: how often to try again. Default 1000. */
  readonly pollIntervalMs?: number;
  /** With wait: stop waiting; acquireRunLock then rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
  /** Once, when the lock is found held and we start waiting for it. */
  readonly onWaiting?: (busy: RunLockBusy) => void;
  /** When we give up (not waiting, or timed out), just before resolving null. */
  readonly onBusy?: (busy: RunLockBusy) => void;
  /** application_name of the lock's connection, shown to whoever finds the lock held. */
  readonly applicationName?: string;
}

export interface RunLock {
  readonly key: bigint;
  /** Backend pid of the connection that holds the lock. */
  readonly backendPid: number;
  readonly acquiredAt: Date;
  /**
   * Aborts if the lock's connection dies (backend terminated, server restart, network):
   * Postgres has then released the lock and another run may start. The reason is the error.
   */
  readonly lost: AbortSignal;
  /** Unlocks and closes the connection. Idempotent; never throws. */
  release(): Promise<void>;
}

const DEFAULT_POLL_INTERVAL_MS = 1000;
/** Postgres truncates application_name to 63 bytes. */
const APPLICATION_NAME_MAX = 63;

/**
 * Takes the cross-process run lock: a session-level Postgres advisory lock on RUN_LOCK_KEY,
 * held on a connection of its own (never a pooled one that could go back to the pool with
 * the lock still on it), so it lives exactly as long as the holder: release() or the
 * connection's death (process crash, pg_terminate_backend) frees it.
 *
 * Waiting polls pg_try_advisory_lock instead of blocking in pg_advisory_lock: a poll can
 * be timed out and aborted on our side, and a waiter that dies leaves no backend queued.
 */
export async function acquireRunLock(
  database: pg.Pool | string,
  options: AcquireRunLockOptions,
): Promise<RunLock | null> {
  const client = await connect(database, options.applicationName ?? defaultApplicationName());
  const lost = new AbortController();
  const state = { releasing: false };
  const loseLock = (error: Error): void => {
    if (!state.releasing && !lost.signal.aborted) lost.abort(error);
  };
  // A dead idle connection emits 'error'; unhandled, it would crash the process.
  client.on("error", loseLock);
  client.on("end", () => loseLock(new Error("the run lock's database connection closed")));

  let acquired = false;
  try {
    const deadline =
      options.timeoutMs === undefined ? Infinity : Date.now() + Math.max(0, options.timeoutMs);
    let waitingReported = false;
    for (;;) {
      const attempt = await tryLock(client);
      if (attempt.locked) {
        acquired = true;
        return makeLock(client, attempt.backendPid, lost, state);
      }
      const busy = describeBusy(await findHolder(client));
      if (!options.wait || Date.now() >= deadline) {
        options.onBusy?.(busy);
        return null;
      }
      if (!waitingReported) {
        waitingReported = true;
        options.onWaiting?.(busy);
      }
      const pollMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
      await delay(Math.min(pollMs, deadline - Date.now()), options.signal);
    }
  } catch (error) {
    if (options.signal?.aborted && error === options.signal.reason) throw error;
    throw asDatabaseError(error, "could not take the run lock");
  } finally {
    if (!acquired) await client.end().catch(() => undefined);
  }
}

/** Who holds the run lock now, or null if nobody does. */
export async function findRunLockHolder(database: pg.Pool | string): Promise<RunLockHolder | null> {
  const client = await connect(database, defaultApplicationName());
  client.on("error", () => undefined);
  try {
    return await findHolder(client);
  } catch (error) {
    throw asDatabaseError(error, "could not read the run lock's holder");
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** "another run holds the run lock: ..." with whatever is known about the holder. */
export function describeRunLockHolder(holder: RunLockHolder | null): string {
  if (holder === null) {
    return "another teams-chat-sync run holds the run lock (its holder is not visible in pg_stat_activity)";
  }
  const details = [
    `postgres backend pid ${holder.backendPid}`,
    holder.applicationName ? `application "${holder.applicationName}"` : null,
    holder.user ? `user ${holder.user}` : null,
    holder.clientAddress ? `from ${holder.clientAddress}` : null,
    holder.lockedSince ? `since ${holder.lockedSince.toISOString()}` : null,
  ].filter((d) => d !== null);
  return `another teams-chat-sync run holds the run lock (${details.join(", ")})`;
}

function describeBusy(holder: RunLockHolder | null): RunLockBusy {
  return { holder, message: describeRunLockHolder(holder) };
}

function makeLock(
  client: pg.Client,
  backendPid: number,
  lost: AbortController,
  state: { releasing: boolean },
): RunLock {
  let released: Promise<void> | null = null;
  return {
    key: RUN_LOCK_KEY,
    backendPid,
    acquiredAt: new Date(),
    lost: lost.signal,
    release() {
      released ??= (async () => {
        state.releasing = true;
        if (!lost.signal.aborted) {
          // Closing the connection alone would free it too; unlocking first is explicit.
          await client.query("SELECT pg_advisory_unlock($1::bigint)", [RUN_LOCK_KEY.toString()]);
        }
      })()
        .catch(() => undefined)
        .finally(() => client.end().catch(() => undefined));
      return released;
    },
  };
}

async function connect(database: pg.Pool | string, applicationName: string): Promise<pg.Client> {
  const base = typeof database === "string" ? { connectionString: database } : database.options;
  const client = new pg.Client({
    ...base,
    application_name: applicationName.slice(0, APPLICATION_NAME_MAX),
    // Lets the OS notice a silently dead peer, so `lost` fires instead of never.
    keepAlive: true,
  });
  try {
    await client.connect();
  } catch (error) {
    throw asDatabaseError(error, "could not connect to take the run lock");
  }
  return client;
}

async function tryLock(client: pg.Client): Promise<{ locked: boolean; backendPid: number }> {
  const result = await client.query<{ locked: boolean; pid: number }>(
    "SELECT pg_try_advisory_lock($1::bigint) AS locked, pg_backend_pid() AS pid",
    [RUN_LOCK_KEY.toString()],
  );
  const row = result.rows[0];
  return { locked: row?.locked === true, backendPid: row?.pid ?? 0 };
}

async function findHolder(client: pg.Client): Promise<RunLockHolder | null> {
  // A bigint advisory key shows in pg_locks as classid = high 32 bits, objid = low 32 bits,
  // objsubid = 1 (both halves unsigned oids).
  const high = (BigInt.asUintN(64, RUN_LOCK_KEY) >> 32n).toString();
  const low = BigInt.asUintN(32, RUN_LOCK_KEY).toString();
  const result = await client.query<{
    pid: number;
    application_name: string | null;
    usename: string | null;
    client_addr: string | null;
    backend_start: Date | null;
    query_start: Date | null;
  }>(
    `SELECT l.pid, a.application_name, a.usename, a.client_addr::text AS client_addr,
            a.backend_start, a.query_start
       FROM pg_locks l
       LEFT JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.classid = $1::oid AND l.objid = $2::oid AND l.objsubid = 1
      LIMIT 1`,
    [high, low],
  );
  const row = result.rows[0];
  if (!row) return null;
  return {
    backendPid: row.pid,
    applicationName: row.application_name || null,
    user: row.usename,
    clientAddress: row.client_addr,
    connectedAt: row.backend_start,
    lockedSince: row.query_start,
  };
}

function defaultApplicationName(): string {
  return `teams-chat-sync run-lock pid=${process.pid} host=${hostname()}`;
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function asDatabaseError(error: unknown, what: string): DatabaseError {
  if (error instanceof DatabaseError) return error;
  const sqlState = (error as { code?: unknown })?.code;
  return new DatabaseError(`${what}: ${error instanceof Error ? error.message : String(error)}`, {
    cause: error,
    sqlState: typeof sqlState === "string" ? sqlState : undefined,
    retryable: false,
  });
}
