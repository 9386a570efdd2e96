/**
 * The one configuration of a command, built once from defaults < environment < flags:
 * readEnv validates each variable over its default, the flags' parsers (src/cli/flags.ts,
 * sync-flags.ts) validated the flags before, and this puts the flags over the environment,
 * derives what follows from both (the pool size) and freezes the result. Commands read
 * their settings from it only; nothing below the CLI reads process.env.
 */
import type { SyncOptions } from "../sync/options.ts";
import { readEnv } from "./env.ts";
import { graphSettings, type GraphSettings } from "./graph-settings.ts";
import { poolSizeFor } from "./pool-size.ts";

export type { GraphSettings } from "./graph-settings.ts";

export interface DatabaseSettings {
  /** DATABASE_URL (holds the password: for connecting only); undefined: the embedded one. */
  readonly url: string | undefined;
  /** DATA_DIR, absolute: where the embedded Postgres lives. */
  readonly dataDir: string;
  /** EMBEDDED_POSTGRES_PORT. */
  readonly embeddedPort: number;
  /** PG_PREPARED_STATEMENTS. */
  readonly preparedStatements: boolean;
  /** Connections the pool may open: derived from the sync's concurrency (pool-size.ts). */
  readonly poolSize: number;
}

export interface Config {
  readonly graph: GraphSettings;
  readonly database: DatabaseSettings;
  /** The sync knobs, for the commands that sync (sync, backfill, schedule, demo). */
  readonly sync: SyncOptions | undefined;
  /** LOG_LEVEL. */
  readonly logLevel: string;
}

export type SyncConfig = Config & { readonly sync: SyncOptions };

/** The flags' layer, parsed and validated by the command's flag parsers. */
export interface ConfigFlags {
  /** --rate-scale: multiplies Graph's rate limits (default 1; 0 = no limits). */
  readonly rateScale?: number | undefined;
  /** The sync flags over their defaults (syncOptionsFromFlags). */
  readonly sync?: SyncOptions | undefined;
}

export interface ConfigSources {
  /** The environment (process.env for the binary). */
  readonly env: NodeJS.ProcessEnv;
  /** Relative paths (DATA_DIR, a GRAPH_RATE_LIMITS file) resolve from here. */
  readonly cwd: string;
  readonly flags?: ConfigFlags;
}

/** Throws ConfigError naming the variable to set or fix. */
export function loadConfig(sources: ConfigSources & { flags: { sync: SyncOptions } }): SyncConfig;
export function loadConfig(sources: ConfigSources): Config;
export function loadConfig(sources: ConfigSources): Config {
  const env = readEnv(sources.env, sources.cwd);
  const flags = sources.flags ?? {};
  return deepFreeze({
    graph: graphSettings(env, flags),
    database: {
      url: env.databaseUrl,
      dataDir: env.dataDir,
      embeddedPort: env.embeddedPostgresPort,
      preparedStatements: env.preparedStatements,
      poolSize: poolSizeFor(flags.sync),
    },
    sync: flags.sync,
    logLevel: env.logLevel,
  });
}

/** Freezes objects and arrays throughout (a Set's members or a Secret's value stay as they are). */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
