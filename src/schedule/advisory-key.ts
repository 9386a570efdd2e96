import { createHash } from "node:crypto";
import type pg from "pg";

/**
 * The name the run lock's key is derived from. Every version of the program must derive
 * the same key, or an old and a new process would not exclude each other: never change it.
 */
export const RUN_LOCK_NAME = "teams-chat-sync/run";

/**
 * The advisory-lock key: the first 8 bytes of SHA-256(RUN_LOCK_NAME), read as a signed
 * big-endian 64-bit integer (Postgres' bigint). Versions before the lock row held only
 * this session lock; the current one still takes it when it is free, so that an older
 * and a newer binary never run at once. Anyone who can connect may take an advisory key,
 * so a holder that cannot write the warehouse (an analyst) is ignored rather than obeyed.
 */
export const RUN_LOCK_KEY: bigint = createHash("sha256")
  .update(RUN_LOCK_NAME)
  .digest()
  .readBigInt64BE(0);

/** Who holds the advisory key, as pg_locks and pg_stat_activity show it. */
export interface AdvisoryKeyHolder {
  readonly backendPid: number;
  readonly applicationName: string | null;
  readonly user: string | null;
  readonly clientAddress: string | null;
  readonly connectedAt: Date | null;
  readonly querySince: Date | null;
  /**
   * Whether the holder's role may write the warehouse (INSERT on teams.sync_runs): an
   * older teams-chat-sync. Unknown (role hidden) counts as yes.
   */
  readonly canWrite: boolean;
}

/** Takes the key on this connection's session if it is free. */
export async function tryAdvisoryKey(client: pg.ClientBase): Promise<boolean> {
  const result = await client.query<{ locked: boolean }>(
    "SELECT pg_try_advisory_lock($1::bigint) AS locked",
    [RUN_LOCK_KEY.toString()],
  );
  return result.rows[0]?.locked === true;
}

export async function unlockAdvisoryKey(client: pg.ClientBase): Promise<void> {
  await client.query("SELECT pg_advisory_unlock($1::bigint)", [RUN_LOCK_KEY.toString()]);
}

/** The backend that holds the key in this database, other than `exceptPid`; null if none. */
export async function findAdvisoryKeyHolder(
  client: pg.ClientBase,
  exceptPid?: number,
): Promise<AdvisoryKeyHolder | null> {
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
    can_write: boolean | null;
  }>(
    `SELECT l.pid, a.application_name, a.usename, a.client_addr::text AS client_addr,
            a.backend_start, a.query_start,
            CASE WHEN a.usesysid IS NULL THEN NULL
                 ELSE has_table_privilege(a.usesysid, 'teams.sync_runs', 'INSERT') END AS can_write
       FROM pg_locks l
       LEFT JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.classid = $1::oid AND l.objid = $2::oid AND l.objsubid = 1
        AND l.pid IS DISTINCT FROM $3::integer
      LIMIT 1`,
    [high, low, exceptPid ?? null],
  );
  const row = result.rows[0];
  if (!row) return null;
  return {
    backendPid: row.pid,
    applicationName: row.application_name || null,
    user: row.usename,
    clientAddress: row.client_addr,
    connectedAt: row.backend_start,
    querySince: row.query_start,
    canWrite: row.can_write !== false,
  };
}
