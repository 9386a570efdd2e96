import type { DatabaseSettings } from "../config/config.ts";
import { startEmbeddedPostgres, type RunningPostgres } from "../load/embedded-postgres.ts";
import type { Logger } from "../log.ts";

export interface DatabaseTarget {
  /** Holds the password: for connecting only, never for printing. */
  readonly url: string;
  /** Human words for where the data is and how to look at it, for messages (no password). */
  readonly description: string;
  /** Between long pauses (scheduled runs): brings the embedded server back if it went away. */
  ensureAvailable(): Promise<void>;
  release(): Promise<void>;
}

/**
 * DATABASE_URL when set; otherwise the persistent embedded Postgres under DATA_DIR,
 * shared with the other commands using it for as long as this one runs.
 */
export async function openDatabaseTarget(
  settings: DatabaseSettings,
  logger: Logger,
): Promise<DatabaseTarget> {
  if (settings.url !== undefined) {
    return {
      url: settings.url,
      description: `Postgres at ${redactUrl(settings.url)}`,
      ensureAvailable: async () => undefined,
      release: async () => undefined,
    };
  }
  let server: RunningPostgres;
  try {
    server = await startEmbeddedPostgres({
      dir: settings.dataDir,
      port: settings.embeddedPort,
      persistent: true,
      log: {
        info: (message) => logger.info({ dataDir: settings.dataDir }, message),
        warn: (message) => logger.warn({ dataDir: settings.dataDir }, message),
      },
    });
  } catch (cause) {
    throw new Error(
      `could not start the embedded Postgres of DATA_DIR ${settings.dataDir} (set DATABASE_URL to use another server)`,
      { cause },
    );
  }
  return {
    url: server.url,
    description: `embedded Postgres in ${server.dir} (psql: ${server.psql})`,
    ensureAvailable: () => server.ensureRunning(),
    release: () => server.stop(),
  };
}

export function redactUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return "(unparseable URL)";
  }
}
