import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/config.ts";
import { graphConfigOf } from "../../src/config/graph-settings.ts";
import { COMMAND_POOL_SIZE, CONNECTIONS_PER_USER } from "../../src/config/pool-size.ts";
import { ConfigError } from "../../src/errors.ts";
import { graphConfigDefaults } from "../../src/extract/graph-config.ts";
import { DEFAULT_CONCURRENCY, defaultSyncOptions } from "../../src/sync/options.ts";

const cwd = path.join(os.tmpdir(), "tcs-config");

describe("loadConfig: defaults < environment < flags", () => {
  it("fills every setting from its default when nothing is set", () => {
    const config = loadConfig({ env: {}, cwd });
    expect(config).toEqual({
      graph: {
        baseUrl: "https://graph.microsoft.com",
        auth: undefined,
        rateLimits: { scale: 1 },
        maxResponseBytes: graphConfigDefaults.maxResponseBytes,
        requestTimeoutMs: graphConfigDefaults.requestTimeoutMs,
      },
      database: {
        url: undefined,
        dataDir: path.join(cwd, ".data"),
        embeddedPort: 54329,
        preparedStatements: true,
        poolSize: COMMAND_POOL_SIZE,
      },
      sync: undefined,
      logLevel: "info",
    });
  });

  it("takes the environment over the defaults, and the flags over both", () => {
    const sync = defaultSyncOptions({ concurrency: 7, dryRun: true });
    const config = loadConfig({
      env: {
        GRAPH_BASE_URL: "https://graph.microsoft.us/",
        GRAPH_ACCESS_TOKEN: "token-value",
        GRAPH_RATE_LIMITS: '{"headroom": 0.2}',
        GRAPH_MAX_RESPONSE_BYTES: "1048576",
        DATABASE_URL: "postgres://u:pw@db.example:5432/teams",
        DATA_DIR: "state",
        PG_PREPARED_STATEMENTS: "off",
        LOG_LEVEL: "debug",
      },
      cwd,
      flags: { rateScale: 2.5, sync },
    });
    expect(config.graph).toMatchObject({
      baseUrl: "https://graph.microsoft.us",
      auth: { kind: "static" },
      rateLimits: { headroom: 0.2, scale: 2.5 },
      maxResponseBytes: 1_048_576,
    });
    expect(config.database).toEqual({
      url: "postgres://u:pw@db.example:5432/teams",
      dataDir: path.join(cwd, "state"),
      embeddedPort: 54329,
      preparedStatements: false,
      poolSize: 7 * CONNECTIONS_PER_USER,
    });
    expect(config.sync).toBe(sync);
    expect(config.logLevel).toBe("debug");
    // What the extract stage gets: the same settings, the secret revealed only there.
    const graph = graphConfigOf(config.graph);
    expect(graph.rateLimits).toMatchObject({ scale: 2.5, headroom: 0.2 });
    expect(graph.maxResponseBytes).toBe(1_048_576);
    expect(graph.auth).toEqual({ kind: "static", token: "token-value" });
  });

  it("is frozen throughout and never shows a secret", () => {
    const config = loadConfig({
      env: {
        AZURE_TENANT_ID: "t",
        AZURE_CLIENT_ID: "c",
        AZURE_CLIENT_SECRET: "very-secret-value",
        GRAPH_RATE_LIMITS: '{"budgets": {"otherGet": {"tenantPerSecond": 20}}}',
      },
      cwd,
      flags: { sync: defaultSyncOptions({ users: { kind: "list", ids: ["a"] } }) },
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.graph.rateLimits.budgets?.otherGet)).toBe(true);
    expect(Object.isFrozen(config.database)).toBe(true);
    expect(Object.isFrozen(config.sync?.users)).toBe(true);
    expect(JSON.stringify(config)).not.toContain("very-secret-value");
  });

  it("asks for credentials only when the Graph settings are used, naming what to set", () => {
    const config = loadConfig({ env: {}, cwd });
    expect(() => graphConfigOf(config.graph)).toThrow(ConfigError);
    expect(() => graphConfigOf(config.graph)).toThrow(
      /set GRAPH_ACCESS_TOKEN, or AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET/,
    );
  });
});

describe("the pool size", () => {
  it("is what a sync's concurrency needs: two connections a user in flight", () => {
    const poolFor = (concurrency: number) =>
      loadConfig({ env: {}, cwd, flags: { sync: defaultSyncOptions({ concurrency }) } }).database
        .poolSize;
    expect(poolFor(1)).toBe(2);
    expect(poolFor(40)).toBe(80);
    // The default concurrency needs more than pg's default pool of 10.
    expect(poolFor(DEFAULT_CONCURRENCY)).toBe(DEFAULT_CONCURRENCY * CONNECTIONS_PER_USER);
  });

  it("is small for a command that does not sync (migrate, status)", () => {
    expect(loadConfig({ env: {}, cwd }).database.poolSize).toBe(COMMAND_POOL_SIZE);
  });
});
