import type pg from "pg";

/**
 * The SQL of the run lock's row in teams.sync_locks, run on the lock's own connection.
 * Changing the row needs INSERT/UPDATE on it (the reader role has SELECT only), and so
 * does locking it (FOR UPDATE / FOR KEY SHARE).
 */

export interface LockRowState {
  /** The current holding's token; null when the lock is free. */
  readonly token: string | null;
  readonly holderPid: number | null;
  readonly holderHost: string | null;
  readonly backendPid: number | null;
  readonly acquiredAt: Date | null;
  readonly heartbeatAt: Date | null;
  /** The holder's lock connection is in pg_stat_activity (same pid, same start). */
  readonly backendAlive: boolean;
  /**
   * The holder neither confirmed nor re-registered its lock for longer than the grace,
   * counted from its last heartbeat or from the server's start, whichever is later (a
   * restart gives every holder the whole grace to reconnect).
   */
  readonly graceExpired: boolean;
  /** From pg_stat_activity while the backend is alive (null if not, or hidden from us). */
  readonly applicationName: string | null;
  readonly user: string | null;
  readonly clientAddress: string | null;
  readonly connectedAt: Date | null;
}

interface LockRowRecord {
  token: string | null;
  holder_pid: number | null;
  holder_host: string | null;
  backend_pid: number | null;
  acquired_at: Date | null;
  heartbeat_at: Date | null;
  alive: boolean;
  grace_expired: boolean;
  application_name: string | null;
  usename: string | null;
  client_addr: string | null;
  backend_start: Date | null;
}

/**
 * The lock's row as it stands, with its holder's liveness; null when it was never taken.
 * With `forUpdate` (inside a transaction) the row stays locked until it ends, which also
 * waits for the holder's write transactions in flight (they hold it FOR KEY SHARE).
 */
export async function readLockRow(
  client: pg.ClientBase,
  name: string,
  graceMs: number,
  options: { readonly forUpdate: boolean },
): Promise<LockRowState | null> {
  // pg_stat_get_activity(NULL) lists every backend: the pid is tested first.
  const result = await client.query<LockRowRecord>(
    `SELECT l.token::text AS token, l.holder_pid, l.holder_host, l.backend_pid,
            l.acquired_at, l.heartbeat_at,
            a.pid IS NOT NULL AS alive,
            now() - greatest(l.heartbeat_at, pg_postmaster_start_time())
              > $2::double precision * interval '1 millisecond' AS grace_expired,
            a.application_name, r.rolname AS usename, a.client_addr::text AS client_addr,
            a.backend_start
       FROM teams.sync_locks l
       LEFT JOIN LATERAL (
         SELECT s.pid, s.application_name, s.usesysid, s.client_addr, s.backend_start
           FROM pg_stat_get_activity(l.backend_pid) s
          WHERE l.backend_pid IS NOT NULL
            AND (s.backend_start IS NULL OR s.backend_start = l.backend_start)
       ) a ON true
       LEFT JOIN pg_roles r ON r.oid = a.usesysid
      WHERE l.name = $1
      ${options.forUpdate ? "FOR UPDATE OF l" : ""}`,
    [name, graceMs],
  );
  const row = result.rows[0];
  if (!row) return null;
  return {
    token: row.token,
    holderPid: row.holder_pid,
    holderHost: row.holder_host,
    backendPid: row.backend_pid,
    acquiredAt: row.acquired_at,
    heartbeatAt: row.heartbeat_at,
    backendAlive: row.alive,
    graceExpired: row.grace_expired === true,
    applicationName: row.application_name || null,
    user: row.usename,
    clientAddress: row.client_addr,
    connectedAt: row.backend_start,
  };
}

/** Creates the lock's (free) row if it was never taken. */
export async function ensureLockRow(client: pg.ClientBase, name: string): Promise<void> {
  await client.query(
    "INSERT INTO teams.sync_locks (name) VALUES ($1) ON CONFLICT (name) DO NOTHING",
    [name],
  );
}

// This connection's backend, as pg_stat_activity shows it to the fence and to others.
const OWN_BACKEND = `backend_pid = pg_backend_pid(),
  backend_start = (SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid())`;

/** Makes `token` the holding, on this connection's backend (inside the claim's transaction). */
export async function claimLockRow(
  client: pg.ClientBase,
  name: string,
  token: string,
  holder: { readonly pid: number; readonly host: string },
): Promise<void> {
  await client.query(
    `UPDATE teams.sync_locks
        SET token = $2::uuid, holder_pid = $3, holder_host = $4, ${OWN_BACKEND},
            acquired_at = now(), heartbeat_at = now()
      WHERE name = $1`,
    [name, token, holder.pid, holder.host],
  );
}

/**
 * Confirms the holding and registers this connection's backend as the holder's (a new
 * one after a lost connection), if `token` still holds the lock. False: it does not
 * (taken over or released).
 */
export async function reassertLockRow(
  client: pg.ClientBase,
  name: string,
  token: string,
): Promise<boolean> {
  const result = await client.query(
    `UPDATE teams.sync_locks SET ${OWN_BACKEND}, heartbeat_at = now()
      WHERE name = $1 AND token = $2::uuid`,
    [name, token],
  );
  return result.rowCount === 1;
}

/** Frees the lock if `token` still holds it. */
export async function releaseLockRow(
  client: pg.ClientBase,
  name: string,
  token: string,
): Promise<void> {
  await client.query(
    `UPDATE teams.sync_locks
        SET token = NULL, holder_pid = NULL, holder_host = NULL, backend_pid = NULL,
            backend_start = NULL, acquired_at = NULL, heartbeat_at = NULL
      WHERE name = $1 AND token = $2::uuid`,
    [name, token],
  );
}
