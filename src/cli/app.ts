import { sql, type Kysely } from "kysely";
import { loadConfig, type Config, type ConfigFlags, type SyncConfig } from "../config/config.ts";
import { graphConfigOf, type GraphSettings } from "../config/graph-settings.ts";
import { DatabaseError } from "../errors.ts";
import { createGraphExtractor, type GraphExtractor } from "../extract/index.ts";
import {
  migrateToLatest,
  openDatabase,
  type Database,
  type DatabaseOptions,
} from "../load/index.ts";
import { createLogger, type Logger } from "../log.ts";
import type { SyncOptions } from "../sync/options.ts";
import { openDatabaseTarget, type DatabaseTarget } from "./database-target.ts";
import { shutdownSignal } from "./signals.ts";

/** What every command starts from: its configuration and a logger. */
export interface App<C extends Config = Config> {
  readonly config: C;
  readonly logger: Logger;
}

export interface AppOptions {
  /** Interactive runs show a progress bar; the log then keeps to warnings and errors. */
  readonly quiet?: boolean;
  readonly flags?: ConfigFlags;
  /** Default: process.env (the benchmarks add their simulator and database to it). */
  readonly env?: NodeJS.ProcessEnv;
}

export function createApp(options: AppOptions & { flags: { sync: SyncOptions } }): App<SyncConfig>;
export function createApp(options?: AppOptions): App;
export function createApp(options: AppOptions = {}): App {
  const config = loadConfig({
    env: options.env ?? process.env,
    cwd: process.cwd(),
    ...(options.flags ? { flags: options.flags } : {}),
  });
  const level = options.quiet && config.logLevel === "info" ? "warn" : config.logLevel;
  return { config, logger: createLogger({ level }) };
}

/** The pool a command opens on the warehouse, as its configuration says. */
export function databaseOptions(config: Config): DatabaseOptions {
  return {
    maxConnections: config.database.poolSize,
    preparedStatements: config.database.preparedStatements,
  };
}

/** The warehouse a command works in: the opened database and where it is. */
export interface OpenedWarehouse {
  readonly db: Kysely<Database>;
  readonly target: DatabaseTarget;
}

/**
 * Opens the warehouse (DATABASE_URL or the embedded Postgres), applies pending
 * migrations when asked, runs `fn`, and closes everything whatever happens. SIGINT and
 * SIGTERM are handled from the start for every command (signals.ts): the first lets the
 * work in flight finish and then releases the warehouse, so no command leaves the
 * embedded server behind; `fn` reads the same stop request from `shutdownSignal()`.
 */
export async function withWarehouse<T>(
  app: App,
  options: { migrate: boolean },
  fn: (warehouse: OpenedWarehouse) => Promise<T>,
): Promise<T> {
  const stop = shutdownSignal();
  const target = await openDatabaseTarget(app.config.database, app.logger);
  const { db, close } = openDatabase(target.url, databaseOptions(app.config));
  try {
    app.logger.debug({ database: target.description }, "warehouse");
    // Stopped while the server was starting: nothing was begun, nothing to finish.
    if (stop.aborted) throw stop.reason;
    await checkConnection(db, target);
    if (options.migrate) await migrateOrThrow(db, app.logger);
    return await fn({ db, target });
  } finally {
    await close().catch(() => undefined);
    await target
      .release()
      .catch((error: unknown) => app.logger.warn({ err: error }, "stopping the embedded Postgres"));
  }
}

async function checkConnection(db: Kysely<Database>, target: DatabaseTarget): Promise<void> {
  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    throw new DatabaseError(
      `cannot reach the warehouse (${target.description}): ${error instanceof Error ? error.message : String(error)}`,
      { retryable: false },
    );
  }
}

export async function migrateOrThrow(db: Kysely<Database>, logger: Logger): Promise<number> {
  const { results, error } = await migrateToLatest(db);
  for (const result of results) {
    if (result.status === "Success")
      logger.info({ migration: result.migrationName }, "migration applied");
    if (result.status === "Error")
      logger.error({ migration: result.migrationName }, "migration failed");
  }
  if (error) {
    throw new DatabaseError(
      `migration failed: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
        retryable: false,
      },
    );
  }
  return results.filter((r) => r.status === "Success").length;
}

/** The extractor of the configured Graph, or of `graph` (demo's simulator). */
export function createExtractor(app: App, graph: GraphSettings = app.config.graph): GraphExtractor {
  return createGraphExtractor(graphConfigOf(graph), { logger: app.logger });
}
