import { sql, type Kysely } from "kysely";
import { readEnv, type EnvConfig, type GraphAuthConfig } from "../config/env.ts";
import { ConfigError, DatabaseError } from "../errors.ts";
import {
  createGraphExtractor,
  defineGraphConfig,
  type GraphAuthInput,
  type GraphExtractor,
} from "../extract/index.ts";
import { migrateToLatest, openDatabase, type Database } from "../load/index.ts";
import { createLogger, type Logger } from "../log.ts";
import { openDatabaseTarget, type DatabaseTarget } from "./database-target.ts";
import { shutdownSignal } from "./signals.ts";

/** What every command starts from: the parsed environment and a logger. */
export interface App {
  readonly env: EnvConfig;
  readonly logger: Logger;
}

export function createApp(options: { quiet?: boolean } = {}): App {
  const env = readEnv(process.env, process.cwd());
  // Interactive runs show a progress bar; the log then keeps to warnings and errors.
  const level = options.quiet && env.logLevel === "info" ? "warn" : env.logLevel;
  return { env, logger: createLogger({ level }) };
}

export interface Warehouse {
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
  fn: (warehouse: Warehouse) => Promise<T>,
): Promise<T> {
  const stop = shutdownSignal();
  const target = await openDatabaseTarget(app.env, app.logger);
  const { db, close } = openDatabase(target.url, {
    preparedStatements: app.env.preparedStatements,
  });
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

const NO_CREDENTIALS =
  "no Graph credentials: set GRAPH_ACCESS_TOKEN, or AZURE_TENANT_ID, AZURE_CLIENT_ID and " +
  "AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH)";

export function createExtractor(
  app: App,
  options: { rateScale?: number; auth?: GraphAuthConfig; baseUrl?: string } = {},
): GraphExtractor {
  const auth = options.auth ?? app.env.graphAuth;
  if (!auth) throw new ConfigError(NO_CREDENTIALS);
  const config = defineGraphConfig({
    baseUrl: options.baseUrl ?? app.env.graphBaseUrl,
    auth: revealAuth(auth),
    maxResponseBytes: app.env.graphMaxResponseBytes,
    rateLimits: {
      ...app.env.graphRateLimits,
      ...(options.rateScale === undefined ? {} : { scale: options.rateScale }),
    },
  });
  return createGraphExtractor(config, { logger: app.logger });
}

/** The only place secrets leave their wrapper: on their way to the extract stage. */
function revealAuth(auth: GraphAuthConfig): GraphAuthInput {
  switch (auth.kind) {
    case "static":
      return { kind: "static", token: auth.token.reveal() };
    case "clientSecret":
      return {
        kind: "clientSecret",
        tenantId: auth.tenantId,
        clientId: auth.clientId,
        clientSecret: auth.clientSecret.reveal(),
        ...(auth.authorityHost ? { authorityHost: auth.authorityHost } : {}),
      };
    case "clientCertificate":
      return {
        kind: "clientCertificate",
        tenantId: auth.tenantId,
        clientId: auth.clientId,
        certificatePath: auth.certificatePath,
        ...(auth.authorityHost ? { authorityHost: auth.authorityHost } : {}),
      };
  }
}
