import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import pg from "pg";
import { DatabaseError } from "../errors.ts";
import { retryRuleFor } from "../load/retryable.ts";
import { DEFAULT_TENANT } from "../load/tenants.ts";
import { systemSleep } from "../runtime.ts";
import {
  findAdvisoryKeyHolder,
  RUN_LOCK_KEY,
  RUN_LOCK_NAME,
  tryAdvisoryKey,
  unlockAdvisoryKey,
  type AdvisoryKeyHolder,
} from "./advisory-key.ts";
import { LockKeeper, type LockKeeperLogger } from "./lock-keeper.ts";
import { claimLockRow, ensureLockRow, readLockRow, type LockRowState } from "./lock-row.ts";

export { RUN_LOCK_KEY, RUN_LOCK_NAME };

/**
 * The run lock of a tenant: the `default` tenant keeps the name (and the advisory key) of
 * the single-tenant lock, so that older binaries still exclude it; every other tenant has
 * a lock of its own, so that tenants sync side by side.
 */
export function runLockName(tenant: string): string {
  return tenant === DEFAULT_TENANT ? RUN_LOCK_NAME : `${RUN_LOCK_NAME}/${tenant}`;
}

/** Who holds the run lock (null: nobody we can see). */
export interface RunLockHolder {
  /** The Postgres backend pid of the holder's lock connection (what pg_terminate_backend takes). */
  readonly backendPid: number;
  /** Ours reads "teams-chat-sync run-lock pid=<os pid> host=<host>". */
  readonly applicationName: string | null;
  readonly user: string | null;
  readonly clientAddress: string | null;
  readonly connectedAt: Date | null;
  /** When the holder took the lock. */
  readonly lockedSince: Date | null;
  /** The holding process and its host; null for an older binary (advisory key only). */
  readonly pid: number | null;
  readonly host: string | null;
  /** False while the holder's lock connection is gone (it may be re-establishing it). */
  readonly connected: boolean;
}

export interface RunLockBusy {
  /** Null when the holder let go before we could look, or is hidden from us. */
  readonly holder: RunLockHolder | null;
  /** One line for logs and the terminal, naming the holder. */
  readonly message: string;
}

export interface RunLockTiming {
  /** How often the holder confirms it holds the lock. */
  readonly heartbeatMs: number;
  /**
   * How long a holder whose connection is gone keeps the lock (from its last heartbeat,
   * or from the server's start after a restart) before another run may take it over;
   * a holder whose process is gone from the same host is taken over at once.
   */
  readonly takeoverGraceMs: number;
  /** Longest pause between a lost holder's reconnection attempts. */
  readonly reconnectMaxDelayMs: number;
}

export const DEFAULT_RUN_LOCK_TIMING: RunLockTiming = Object.freeze({
  heartbeatMs: 5_000,
  takeoverGraceMs: 30_000,
  reconnectMaxDelayMs: 2_000,
});

export interface AcquireRunLockOptions {
  /** The lock's row (runLockName(tenant)); default RUN_LOCK_NAME, the `default` tenant's. */
  readonly name?: string;
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
  readonly timing?: Partial<RunLockTiming>;
  /** Takeovers, lost and re-established lock connections, an ignored advisory holder. */
  readonly logger?: LockKeeperLogger;
}

export interface RunLock {
  /** The lock's row in teams.sync_locks. */
  readonly name: string;
  /** This holding's token: every write transaction of the run checks it (RunFence). */
  readonly token: string;
  /** The advisory key older versions hold; taken too while no one else holds it. */
  readonly key: bigint;
  /** Backend pid of the lock's connection (a new one after a re-established connection). */
  readonly backendPid: number;
  readonly acquiredAt: Date;
  /**
   * Aborts once the lock is verifiably no longer ours: another run took it over after
   * our connection was gone longer than the grace, or an older binary took the advisory
   * key meanwhile. The reason is a RunLockLostError. A lost connection alone does not
   * abort it: the holder re-establishes it, and writes wait for that.
   */
  readonly lost: AbortSignal;
  /** Frees the lock and closes the connection. Idempotent; never throws. */
  release(): Promise<void>;
}

const DEFAULT_POLL_INTERVAL_MS = 1000;
/** Postgres truncates application_name to 63 bytes. */
const APPLICATION_NAME_MAX = 63;
/** A claim waits this long at most for the row (held FOR KEY SHARE by writes in flight). */
const CLAIM_LOCK_TIMEOUT_MS = 5_000;

/**
 * Takes the cross-process run lock: the row RUN_LOCK_NAME of teams.sync_locks, with a
 * fresh token, registered to a connection of its own (never a pooled one). The row
 * outlives the connection: after a restart the holder re-registers a new one (see
 * LockKeeper), and a second run may take the lock over only when the holder is
 * verifiably gone: its connection absent from pg_stat_activity and its process dead on
 * this host, or silent for longer than the takeover grace. Taking the row needs UPDATE
 * on it, which the reader role lacks. The advisory key of older versions is taken as
 * well while free, so that an older and a newer binary exclude each other.
 *
 * Waiting polls instead of blocking: a poll can be timed out and aborted on our side,
 * and a waiter that dies leaves nothing queued.
 */
export async function acquireRunLock(
  database: pg.Pool | string,
  options: AcquireRunLockOptions,
): Promise<RunLock | null> {
  const timing = { ...DEFAULT_RUN_LOCK_TIMING, ...options.timing };
  const name = options.name ?? RUN_LOCK_NAME;
  const connectLock = (): Promise<pg.Client> =>
    connect(database, options.applicationName ?? defaultApplicationName());
  const token = randomUUID();
  let client: pg.Client | null = null;
  let acquired = false;
  try {
    const deadline =
      options.timeoutMs === undefined ? Infinity : Date.now() + Math.max(0, options.timeoutMs);
    let waitingReported = false;
    for (;;) {
      let attempt: ClaimOutcome | null = null;
      try {
        client ??= await connectLock();
        attempt = await claim(client, name, token, timing, options.logger);
      } catch (error) {
        // A waiter rides out a database restart: it reconnects at its next poll (a claim
        // it committed unacknowledged is found again by its token).
        if (!options.wait || retryRuleFor(error) === undefined || Date.now() >= deadline) {
          throw error;
        }
        await client?.end().catch(() => undefined);
        client = null;
      }
      if (attempt?.kind === "acquired" && client) {
        acquired = true;
        return holding(client, name, token, attempt, timing, connectLock, options.logger);
      }
      if (attempt?.kind === "busy") {
        const busy = { holder: attempt.holder, message: describeRunLockHolder(attempt.holder) };
        if (!options.wait || Date.now() >= deadline) {
          options.onBusy?.(busy);
          return null;
        }
        if (!waitingReported) {
          waitingReported = true;
          options.onWaiting?.(busy);
        }
      }
      const pollMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
      await systemSleep(Math.min(pollMs, deadline - Date.now()), options.signal);
    }
  } catch (error) {
    if (options.signal?.aborted && error === options.signal.reason) throw error;
    throw asDatabaseError(error, "could not take the run lock");
  } finally {
    if (!acquired) await client?.end().catch(() => undefined);
  }
}

/** The RunLock of a claim that succeeded on `client`, kept from now on by a LockKeeper. */
function holding(
  client: pg.Client,
  name: string,
  token: string,
  claimed: { backendPid: number; advisoryKey: boolean },
  timing: RunLockTiming,
  connectLock: () => Promise<pg.Client>,
  logger: LockKeeperLogger | undefined,
): RunLock {
  const keeper = new LockKeeper(client, claimed.backendPid, claimed.advisoryKey, {
    name,
    legacyKey: name === RUN_LOCK_NAME,
    token,
    heartbeatMs: timing.heartbeatMs,
    graceMs: timing.takeoverGraceMs,
    reconnectMaxDelayMs: timing.reconnectMaxDelayMs,
    connect: connectLock,
    describeHolder: (row) => nameRunLockHolder(row?.token ? rowHolder(row) : null),
    ...(logger ? { logger } : {}),
  });
  return {
    name,
    token,
    key: RUN_LOCK_KEY,
    get backendPid() {
      return keeper.backendPid;
    },
    acquiredAt: new Date(),
    lost: keeper.lost,
    release: () => keeper.release(),
  };
}

/** Who holds the run lock now, or null if nobody does. */
export async function findRunLockHolder(
  database: pg.Pool | string,
  timing: Partial<RunLockTiming> = {},
  name: string = RUN_LOCK_NAME,
): Promise<RunLockHolder | null> {
  const grace = timing.takeoverGraceMs ?? DEFAULT_RUN_LOCK_TIMING.takeoverGraceMs;
  const client = await connect(database, defaultApplicationName());
  try {
    const row = await readLockRow(client, name, grace, { forUpdate: false });
    if (row?.token) return rowHolder(row);
    if (name !== RUN_LOCK_NAME) return null;
    const legacy = await findAdvisoryKeyHolder(client);
    return legacy?.canWrite ? advisoryHolder(legacy) : null;
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
  const gone = holder.connected
    ? ""
    : "; its database connection is gone: it keeps the lock while it reconnects, and loses it once it has been gone for the takeover grace";
  return `another teams-chat-sync run holds the run lock (${holderDetails(holder).join(", ")})${gone}`;
}

/** "process 777 on box (postgres backend pid 123, since ...)": the holder in a sentence. */
export function nameRunLockHolder(holder: RunLockHolder | null): string {
  if (holder === null) return "another teams-chat-sync run";
  const [first, ...rest] = holderDetails(holder);
  return rest.length > 0 ? `${first} (${rest.join(", ")})` : (first ?? "another run");
}

function holderDetails(holder: RunLockHolder): string[] {
  return [
    holder.pid !== null ? `process ${holder.pid} on ${holder.host ?? "an unknown host"}` : null,
    `postgres backend pid ${holder.backendPid}`,
    holder.applicationName ? `application "${holder.applicationName}"` : null,
    holder.user ? `user ${holder.user}` : null,
    holder.clientAddress ? `from ${holder.clientAddress}` : null,
    holder.lockedSince ? `since ${holder.lockedSince.toISOString()}` : null,
    holder.pid === null ? "an older version holding the advisory key" : null,
  ].filter((d) => d !== null);
}

type ClaimOutcome =
  | { kind: "acquired"; backendPid: number; advisoryKey: boolean }
  | { kind: "busy"; holder: RunLockHolder | null };

/**
 * One attempt at the lock on `client`. The row is looked at without locking first, so
 * that pollers do not make the holder's writes wait; only a free or stale lock is
 * claimed, in a transaction holding the row FOR UPDATE (which waits for the holder's
 * writes in flight, at most CLAIM_LOCK_TIMEOUT_MS).
 */
async function claim(
  client: pg.Client,
  name: string,
  token: string,
  timing: RunLockTiming,
  logger: LockKeeperLogger | undefined,
): Promise<ClaimOutcome> {
  const grace = timing.takeoverGraceMs;
  const seen = await readLockRow(client, name, grace, { forUpdate: false });
  if (seen && verdict(seen) === "held") return { kind: "busy", holder: rowHolder(seen) };
  let advisoryKey = false;
  await client.query("BEGIN");
  try {
    await client.query(`SET LOCAL lock_timeout = ${CLAIM_LOCK_TIMEOUT_MS}`);
    await ensureLockRow(client, name);
    const row = await readLockRow(client, name, grace, { forUpdate: true });
    // Our own token: a claim whose commit was acknowledged to nobody, tried again.
    const state = row?.token === token ? "free" : row ? verdict(row) : "free";
    if (state === "held" && row) {
      await client.query("ROLLBACK");
      return { kind: "busy", holder: rowHolder(row) };
    }
    const pid = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    const backendPid = pid.rows[0]?.pid ?? 0;
    // Only the `default` tenant's lock is the one older binaries know (by its advisory key).
    const legacyKey = name === RUN_LOCK_NAME;
    advisoryKey = legacyKey && (await tryAdvisoryKey(client));
    if (legacyKey && !advisoryKey) {
      const legacy = await findAdvisoryKeyHolder(client, backendPid);
      if (legacy?.canWrite) {
        await client.query("ROLLBACK");
        return { kind: "busy", holder: advisoryHolder(legacy) };
      }
      if (legacy) {
        logger?.warn(
          { backendPid: legacy.backendPid, user: legacy.user },
          "the run lock's advisory key is held by a role that cannot write the warehouse: ignored",
        );
      }
    }
    await claimLockRow(client, name, token, { pid: process.pid, host: hostname() });
    await client.query("COMMIT");
    if (state === "stale" && row) {
      logger?.warn(
        { holder: rowHolder(row) },
        `took over the run lock from ${nameRunLockHolder(rowHolder(row))}: its connection and process are gone`,
      );
    }
    return { kind: "acquired", backendPid, advisoryKey };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    if (advisoryKey) await unlockAdvisoryKey(client).catch(() => undefined);
    // The holder's writes kept the row longer than we wait: it is plainly alive.
    if ((error as { code?: unknown }).code === "55P03") {
      return { kind: "busy", holder: seen ? rowHolder(seen) : null };
    }
    throw error;
  }
}

/**
 * Free, held, or stale (its holder verifiably gone: the lock connection absent from
 * pg_stat_activity, and its process dead on this host or silent past the grace).
 */
function verdict(row: LockRowState): "free" | "held" | "stale" {
  if (row.token === null) return "free";
  if (row.backendAlive) return "held";
  if (row.holderHost === hostname() && row.holderPid !== null && !processAlive(row.holderPid)) {
    return "stale";
  }
  return row.graceExpired ? "stale" : "held";
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function rowHolder(row: LockRowState): RunLockHolder {
  return {
    backendPid: row.backendPid ?? 0,
    applicationName: row.applicationName,
    user: row.user,
    clientAddress: row.clientAddress,
    connectedAt: row.connectedAt,
    lockedSince: row.acquiredAt,
    pid: row.holderPid,
    host: row.holderHost,
    connected: row.backendAlive,
  };
}

function advisoryHolder(holder: AdvisoryKeyHolder): RunLockHolder {
  return {
    backendPid: holder.backendPid,
    applicationName: holder.applicationName,
    user: holder.user,
    clientAddress: holder.clientAddress,
    connectedAt: holder.connectedAt,
    lockedSince: holder.querySince,
    pid: null,
    host: null,
    connected: true,
  };
}

async function connect(database: pg.Pool | string, applicationName: string): Promise<pg.Client> {
  const base = typeof database === "string" ? { connectionString: database } : database.options;
  const client = new pg.Client({
    ...base,
    application_name: applicationName.slice(0, APPLICATION_NAME_MAX),
    connectionTimeoutMillis: 10_000,
    // The lock's statements are short; one that hangs (a silent network) fails, and the
    // keeper reconnects.
    query_timeout: 15_000,
    // Lets the OS notice a silently dead peer within a minute or so.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  // A dead idle connection emits 'error', which would crash the process unheard; the
  // failures that matter reach us as rejected queries (and the keeper listens for more).
  // Listening before connecting: a backend terminated right after it accepted us sends
  // its error in the same read as the handshake's end, before connect()'s promise lets
  // us run again.
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (error) {
    throw asDatabaseError(error, "could not connect to take the run lock");
  }
  return client;
}

function defaultApplicationName(): string {
  return `teams-chat-sync run-lock pid=${process.pid} host=${hostname()}`;
}

function asDatabaseError(error: unknown, what: string): DatabaseError {
  if (error instanceof DatabaseError) return error;
  const code = (error as { code?: unknown })?.code;
  const sqlState = typeof code === "string" ? code : undefined;
  // The lock's table comes with the migrations: say so rather than "relation does not exist".
  const hint = sqlState === "42P01" ? " (apply the migrations: teams-chat-sync migrate)" : "";
  return new DatabaseError(
    `${what}: ${error instanceof Error ? error.message : String(error)}${hint}`,
    { cause: error, ...(sqlState ? { sqlState } : {}), retryable: false },
  );
}
