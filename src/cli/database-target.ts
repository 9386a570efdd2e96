import type { EnvConfig } from "../config/env.ts";
import { startEmbeddedPostgres, type RunningPostgres } from "../load/embedded-postgres.ts";
import type { Logger } from "../log.ts";

export interface DatabaseTarget {
  readonly url: string;
  /** Human words for where the data is, for messages (no password). */
  readonly description: string;
  release(): Promise<void>;
}

/**
 * DATABASE_URL when set; otherwise the persistent embedded Postgres under DATA_DIR,
 * started for the duration of the command.
 */
export async function openDatabaseTarget(env: EnvConfig, logger: Logger): Promise<DatabaseTarget> {
  if (env.databaseUrl !== undefined) {
    return {
      url: env.databaseUrl,
      description: `Postgres at ${redactUrl(env.databaseUrl)}`,
      release: async () => undefined,
    };
  }
  let server: RunningPostgres;
  try {
    server = await startEmbeddedPostgres({
      dir: env.dataDir,
      port: env.embeddedPostgresPort,
      persistent: true,
      onLog: (line) => logger.trace({ postgres: line }, "embedded postgres"),
    });
  } catch (cause) {
    throw new Error(
      `could not start the embedded Postgres under ${env.dataDir} on port ${env.embeddedPostgresPort}: ` +
        `set DATABASE_URL to use another server, or EMBEDDED_POSTGRES_PORT / DATA_DIR`,
      { cause },
    );
  }
  return {
    url: server.url,
    description: `embedded Postgres in ${server.dir} (while a command runs: psql ${server.url})`,
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
