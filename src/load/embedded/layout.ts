import { mkdir } from "node:fs/promises";
import path from "node:path";

/**
 * What the embedded Postgres keeps under DATA_DIR. Everything here is root's (or the
 * running user's) alone, except `pg`, the cluster, which the server's own user owns.
 */
export interface DataDirLayout {
  readonly dataDir: string;
  /** The cluster, or a symlink to it when it had to live outside DATA_DIR (see cluster-location.ts). */
  readonly cluster: string;
  /** The superuser's password, in libpq's passfile format (PGPASSFILE), mode 0600. */
  readonly passFile: string;
  /** The server's stderr, and the watchdog's few lines. */
  readonly logFile: string;
  /** One file per process using the server (leases.ts). */
  readonly leasesDir: string;
  /** Serialises start, stop and lease changes between processes (server-lock.ts). */
  readonly lockFile: string;
  /** The watchdog's pid and what it needs to stop the server (watchdog.ts). */
  readonly watchdogFile: string;
}

export function dataDirLayout(dataDir: string): DataDirLayout {
  const dir = path.resolve(dataDir);
  return Object.freeze({
    dataDir: dir,
    cluster: path.join(dir, "pg"),
    passFile: path.join(dir, "pgpass"),
    logFile: path.join(dir, "postgres.log"),
    leasesDir: path.join(dir, "leases"),
    lockFile: path.join(dir, "server.lock"),
    watchdogFile: path.join(dir, "watchdog.json"),
  });
}

/** DATA_DIR itself is private (0700; see cluster-location.ts); folders above it get the usual mode. */
export async function makeDataDir(layout: DataDirLayout): Promise<void> {
  await mkdir(path.dirname(layout.dataDir), { recursive: true });
  await mkdir(layout.dataDir, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "EEXIST") throw error;
  });
}

/**
 * The watchdog may remove the same tree at the same moment, taking the server's lock (a
 * file inside it) as it does: a directory that gains an entry while it is emptied fails
 * with ENOTEMPTY (seen once at a test run's end), which node's rm retries.
 */
export const REMOVE_TREE = { recursive: true, force: true, maxRetries: 5, retryDelay: 50 };
