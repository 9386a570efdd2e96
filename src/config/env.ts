import { readFileSync } from "node:fs";
import path from "node:path";
import { ConfigError } from "../errors.ts";
import {
  defaultGraphBaseUrl,
  parseGraphBaseUrl,
  responseBytesRange,
} from "../extract/graph-config.ts";
import {
  rateLimitOverridesSchema,
  resolveRateLimits,
  type RateLimitOverrides,
} from "../extract/rate-limit-overrides.ts";
import { Secret } from "./secret.ts";

/** How the pipeline authenticates to Graph. */
export type GraphAuthConfig =
  | { readonly kind: "static"; readonly token: Secret }
  | {
      readonly kind: "clientSecret";
      readonly tenantId: string;
      readonly clientId: string;
      readonly clientSecret: Secret;
      readonly authorityHost: string | undefined;
    }
  | {
      readonly kind: "clientCertificate";
      readonly tenantId: string;
      readonly clientId: string;
      readonly certificatePath: string;
      readonly authorityHost: string | undefined;
    };

/**
 * The environment's layer of the configuration (config.ts puts the flags over it), each
 * variable validated here once. Nothing below the CLI reads process.env.
 */
export interface EnvConfig {
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly embeddedPostgresPort: number;
  readonly graphBaseUrl: string;
  /** Undefined when nothing is configured; commands that call Graph then fail with what to set. */
  readonly graphAuth: GraphAuthConfig | undefined;
  readonly logLevel: string;
  /** PG_PREPARED_STATEMENTS: off for poolers that drop prepared statements between transactions. */
  readonly preparedStatements: boolean;
  /** GRAPH_MAX_RESPONSE_BYTES: decoded bytes one Graph response may have (unset: the default). */
  readonly graphMaxResponseBytes: number | undefined;
  /** GRAPH_RATE_LIMITS: changes to Graph's rate-limit table, validated (undefined: the defaults). */
  readonly graphRateLimits: RateLimitOverrides | undefined;
}

export const DEFAULT_EMBEDDED_POSTGRES_PORT = 54329;
const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

export function readEnv(env: NodeJS.ProcessEnv, cwd: string): EnvConfig {
  const nonEmpty = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const graphBaseUrl = parseGraphBaseUrl(nonEmpty("GRAPH_BASE_URL") ?? defaultGraphBaseUrl);
  const portText = nonEmpty("EMBEDDED_POSTGRES_PORT");
  const embeddedPostgresPort =
    portText === undefined ? DEFAULT_EMBEDDED_POSTGRES_PORT : Number(portText);
  if (
    !Number.isInteger(embeddedPostgresPort) ||
    embeddedPostgresPort < 1 ||
    embeddedPostgresPort > 65535
  ) {
    throw new ConfigError(`EMBEDDED_POSTGRES_PORT must be a TCP port (1-65535), got '${portText}'`);
  }
  const logLevel = nonEmpty("LOG_LEVEL") ?? "info";
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got '${logLevel}'`);
  }
  const databaseUrl = nonEmpty("DATABASE_URL");
  if (databaseUrl !== undefined) parseDatabaseUrl(databaseUrl);
  const prepared = nonEmpty("PG_PREPARED_STATEMENTS")?.toLowerCase() ?? "on";
  if (prepared !== "on" && prepared !== "off") {
    throw new ConfigError(`PG_PREPARED_STATEMENTS must be on or off, got '${prepared}'`);
  }
  return Object.freeze({
    databaseUrl,
    dataDir: path.resolve(cwd, nonEmpty("DATA_DIR") ?? ".data"),
    embeddedPostgresPort,
    graphBaseUrl,
    graphAuth: readGraphAuth(nonEmpty),
    logLevel,
    preparedStatements: prepared === "on",
    graphMaxResponseBytes: parseMaxResponseBytes(nonEmpty("GRAPH_MAX_RESPONSE_BYTES")),
    graphRateLimits: readRateLimits(nonEmpty("GRAPH_RATE_LIMITS"), cwd),
  });
}

function parseMaxResponseBytes(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const bytes = /^\d+$/.test(text) ? Number(text) : NaN;
  const { min, max } = responseBytesRange;
  if (!(bytes >= min && bytes <= max)) {
    throw new ConfigError(
      `GRAPH_MAX_RESPONSE_BYTES must be a whole number of bytes from ${min} (64 KiB) to ${max} ` +
        `(1 GiB), got '${text.slice(0, 40)}'`,
    );
  }
  return bytes;
}

/** GRAPH_RATE_LIMITS holds the JSON itself (it starts with `{`) or the path of a JSON file. */
function readRateLimits(value: string | undefined, cwd: string): RateLimitOverrides | undefined {
  if (value === undefined) return undefined;
  const inline = value.startsWith("{") || value.startsWith("[");
  const source = inline ? "GRAPH_RATE_LIMITS" : `GRAPH_RATE_LIMITS file ${value}`;
  let text = value;
  if (!inline) {
    try {
      text = readFileSync(path.resolve(cwd, value), "utf8");
    } catch (error) {
      throw new ConfigError(
        `GRAPH_RATE_LIMITS must be JSON or the path of a JSON file; cannot read ${value}: ` +
          `${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      );
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${source} is not valid JSON: ${(error as Error).message}`);
  }
  try {
    resolveRateLimits(json);
  } catch (error) {
    throw new ConfigError(`${source}: ${(error as Error).message}`);
  }
  return Object.freeze(rateLimitOverridesSchema.parse(json));
}

function readGraphAuth(get: (name: string) => string | undefined): GraphAuthConfig | undefined {
  const token = get("GRAPH_ACCESS_TOKEN");
  if (token) return Object.freeze({ kind: "static", token: new Secret(token) });
  const tenantId = get("AZURE_TENANT_ID");
  const clientId = get("AZURE_CLIENT_ID");
  const clientSecret = get("AZURE_CLIENT_SECRET");
  const certificatePath = get("AZURE_CLIENT_CERTIFICATE_PATH");
  const authorityHost = get("AZURE_AUTHORITY_HOST");
  if (!tenantId && !clientId && !clientSecret && !certificatePath) return undefined;
  const missing = [
    ...(tenantId ? [] : ["AZURE_TENANT_ID"]),
    ...(clientId ? [] : ["AZURE_CLIENT_ID"]),
    ...(clientSecret || certificatePath
      ? []
      : ["AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH"]),
  ];
  if (missing.length > 0 || !tenantId || !clientId) {
    throw new ConfigError(`incomplete Graph credentials: set ${missing.join(", ")}`);
  }
  if (authorityHost !== undefined) parseAuthorityHost(authorityHost);
  if (clientSecret) {
    return Object.freeze({
      kind: "clientSecret",
      tenantId,
      clientId,
      clientSecret: new Secret(clientSecret),
      authorityHost,
    });
  }
  return Object.freeze({
    kind: "clientCertificate",
    tenantId,
    clientId,
    certificatePath: certificatePath ?? "",
    authorityHost,
  });
}

function parseAuthorityHost(text: string): void {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== "https:") {
    throw new ConfigError(
      `AZURE_AUTHORITY_HOST must be an https URL such as https://login.microsoftonline.com`,
    );
  }
}

function parseDatabaseUrl(text: string): void {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "postgres:" && url.protocol !== "postgresql:")) {
    // Never echo the value: it usually holds a password.
    throw new ConfigError("DATABASE_URL must be a postgres:// or postgresql:// connection string");
  }
}
