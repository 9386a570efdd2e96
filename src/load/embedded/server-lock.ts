import lockfile from "proper-lockfile";

/** Long enough for a first start (initdb, the password, the server) on a busy machine. */
const WAIT = { retries: 1200, factor: 1, minTimeout: 100, maxTimeout: 100 };
/**
 * A holder killed mid-start leaves the lock; others (the watchdog among them) take it
 * over after this long. The holder refreshes it every STALE_MS / 2.
 */
const STALE_MS = 10_000;

/**
 * Runs `fn` while holding DATA_DIR's server lock, so starting, adopting, stopping the
 * server and taking or dropping leases never interleave between processes (a server
 * stopped by its last user while another process is about to reuse it; two processes
 * creating the same cluster).
 */
export async function withServerLock<T>(
  lockPath: string,
  fn: () => Promise<T>,
  onLost: (message: string) => void = () => undefined,
): Promise<T> {
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(lockPath, {
      realpath: false,
      lockfilePath: lockPath,
      stale: STALE_MS,
      retries: WAIT,
      // The default throws from a timer, which would kill the process.
      onCompromised: (error) => onLost(`the server lock ${lockPath} was lost: ${error.message}`),
    });
  } catch (cause) {
    throw new Error(
      `another teams-chat-sync process has held ${lockPath} for two minutes (starting or stopping the embedded Postgres)`,
      { cause },
    );
  }
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}
