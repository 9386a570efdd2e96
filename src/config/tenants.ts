/**
 * The tenants a deployment syncs: the one the environment configures (named `default`,
 * exactly as a single-tenant install always worked) and those of `--tenants-file`, a JSON
 * list of `{ name, tenantId, clientId, clientSecretEnv | certificatePathEnv |
 * accessTokenEnv, graphBaseUrl?, authorityHost? }`. The file names environment variables,
 * never secrets: secrets stay out of files, job payloads and the database.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { ConfigError } from "../errors.ts";
import { parseGraphBaseUrl } from "../extract/graph-config.ts";
import { DEFAULT_TENANT, TENANT_NAME_PATTERN } from "../load/tenants.ts";
import type { GraphAuthConfig } from "./env.ts";
import type { GraphSettings } from "./graph-settings.ts";
import { Secret } from "./secret.ts";

export { DEFAULT_TENANT };

export interface TenantSettings {
  /** The name rows, locks, queues and reader roles carry. */
  readonly name: string;
  readonly graph: GraphSettings;
}

const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be the NAME of an environment variable");

const entrySchema = z
  .object({
    name: z
      .string()
      .regex(
        TENANT_NAME_PATTERN,
        "must be 1-40 lowercase letters, digits, '-' or '_', starting with a letter or digit",
      ),
    tenantId: z.string().trim().min(1).optional(),
    clientId: z.string().trim().min(1).optional(),
    clientSecretEnv: envName.optional(),
    certificatePathEnv: envName.optional(),
    /** A static bearer token (the simulator, or a token minted elsewhere). */
    accessTokenEnv: envName.optional(),
    graphBaseUrl: z.string().optional(),
    authorityHost: z.url({ protocol: /^https$/, error: "must be an https:// URL" }).optional(),
  })
  .strict();

type Entry = z.infer<typeof entrySchema>;

export interface TenantSources {
  /** The environment the secrets' variables are read from (process.env for the binary). */
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** `--tenants-file`; undefined: only the environment's tenant. */
  readonly file: string | undefined;
  /**
   * False to check the file without reading its secrets' variables (`enqueue` needs the
   * tenants' names only; the workers hold the secrets): the file's tenants then have no auth.
   */
  readonly secrets?: boolean;
}

/**
 * Every tenant: `default` first when the environment configures Graph credentials, then the
 * file's in its order. Throws ConfigError naming the file, the entry and what to set.
 */
export function resolveTenants(base: GraphSettings, sources: TenantSources): TenantSettings[] {
  const tenants: TenantSettings[] = [];
  if (base.auth !== undefined || sources.file === undefined) {
    tenants.push(Object.freeze({ name: DEFAULT_TENANT, graph: base }));
  }
  if (sources.file === undefined) return tenants;
  const file = sources.file;
  for (const [index, entry] of readEntries(file, sources.cwd).entries()) {
    const where = `tenants file ${file}: entry ${index + 1} ("${entry.name}")`;
    if (tenants.some((t) => t.name === entry.name)) {
      throw new ConfigError(
        entry.name === DEFAULT_TENANT
          ? `${where}: the name "default" is the tenant of the environment (AZURE_* or GRAPH_ACCESS_TOKEN); choose another name`
          : `${where}: the name is used twice`,
      );
    }
    const graph = tenantGraph(base, entry, where, sources.env, sources.secrets ?? true);
    tenants.push(Object.freeze({ name: entry.name, graph }));
  }
  return tenants;
}

/** The tenant named `name`, or a ConfigError listing the known ones. */
export function findTenant(tenants: readonly TenantSettings[], name: string): TenantSettings {
  const tenant = tenants.find((t) => t.name === name);
  if (tenant) return tenant;
  const known = tenants.map((t) => t.name).join(", ") || "none";
  throw new ConfigError(
    `unknown tenant "${name}" (known: ${known}); tenants other than "default" come from --tenants-file`,
  );
}

function readEntries(file: string, cwd: string): Entry[] {
  let text: string;
  try {
    text = readFileSync(path.resolve(cwd, file), "utf8");
  } catch (error) {
    throw new ConfigError(
      `cannot read the tenants file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      `the tenants file ${file} is not valid JSON: ${(error as Error).message}`,
    );
  }
  if (!Array.isArray(json)) {
    throw new ConfigError(`the tenants file ${file} must hold a JSON list of tenants`);
  }
  return json.map((item, index) => {
    const parsed = entrySchema.safeParse(item);
    if (parsed.success) return parsed.data;
    const name =
      typeof item === "object" && item !== null && "name" in item ? String(item.name) : "?";
    const issues = parsed.error.issues
      .map((i) => `${i.path.join(".") || "entry"} ${i.message}`)
      .join("; ");
    throw new ConfigError(`tenants file ${file}: entry ${index + 1} ("${name}"): ${issues}`);
  });
}

function tenantGraph(
  base: GraphSettings,
  entry: Entry,
  where: string,
  env: NodeJS.ProcessEnv,
  secrets: boolean,
): GraphSettings {
  let baseUrl = base.baseUrl;
  if (entry.graphBaseUrl !== undefined) {
    try {
      baseUrl = parseGraphBaseUrl(entry.graphBaseUrl);
    } catch (error) {
      throw new ConfigError(`${where}: graphBaseUrl: ${(error as Error).message}`);
    }
  }
  const auth = secrets ? tenantAuth(entry, where, env) : undefined;
  return Object.freeze({ ...base, baseUrl, auth });
}

function tenantAuth(entry: Entry, where: string, env: NodeJS.ProcessEnv): GraphAuthConfig {
  const sources = (["clientSecretEnv", "certificatePathEnv", "accessTokenEnv"] as const).filter(
    (key) => entry[key] !== undefined,
  );
  if (sources.length !== 1) {
    throw new ConfigError(
      `${where}: set exactly one of clientSecretEnv, certificatePathEnv or accessTokenEnv (the NAME of the environment variable holding it)`,
    );
  }
  const key = sources[0] as (typeof sources)[number];
  const variable = entry[key] as string;
  const value = env[variable]?.trim();
  if (!value) {
    throw new ConfigError(`${where}: the environment variable ${variable} (${key}) is not set`);
  }
  if (key === "accessTokenEnv") return Object.freeze({ kind: "static", token: new Secret(value) });
  if (entry.tenantId === undefined || entry.clientId === undefined) {
    throw new ConfigError(`${where}: tenantId and clientId are required with ${key}`);
  }
  const common = {
    tenantId: entry.tenantId,
    clientId: entry.clientId,
    authorityHost: entry.authorityHost,
  };
  return key === "clientSecretEnv"
    ? Object.freeze({ kind: "clientSecret", ...common, clientSecret: new Secret(value) })
    : Object.freeze({ kind: "clientCertificate", ...common, certificatePath: value });
}
