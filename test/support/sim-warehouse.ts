/**
 * In-process pipeline for integration tests: a Graph simulator, this test file's own
 * migrated database, and `runSync` wired as the CLI wires it (demo.ts), each run with
 * a fresh extractor as a new process would have.
 */
import { sql, type Kysely } from "kysely";
import { afterAll, afterEach, beforeAll } from "vitest";
import {
  createGraphExtractor,
  defineGraphConfig,
  type GraphConfigInput,
  type GraphExtractorDeps,
} from "../../src/extract/index.ts";
import { migrateToLatest, openDatabase, type Database } from "../../src/load/index.ts";
import { syncOptionsFromFlags } from "../../src/cli/sync-flags.ts";
import { createLogger } from "../../src/log.ts";
import { startSimulator, type Simulator, type SimulatorOptions } from "../../src/sim/index.ts";
import { graphSource } from "../../src/sync/graph-source.ts";
import type { SyncOptions } from "../../src/sync/options.ts";
import { dryRunWarehouse } from "../../src/sync/dry-run-warehouse.ts";
import { pgWarehouse } from "../../src/sync/pg-warehouse.ts";
import { runSync, type RunSummary } from "../../src/sync/run-sync.ts";
import { useTestDatabase } from "./database.ts";

export interface SimWarehouse {
  /** Filled in by beforeAll. */
  readonly db: Kysely<Database>;
  readonly url: string;
  /** Empties every table of schema teams (data and run bookkeeping), keeping the schema. */
  reset(): Promise<void>;
}

/** This file's database, migrated, with a pool open on it for the file's tests. */
export function useSimWarehouse(): SimWarehouse {
  const database = useTestDatabase();
  let opened: ReturnType<typeof openDatabase> | undefined;
  beforeAll(async () => {
    opened = openDatabase(database.url);
    const { error } = await migrateToLatest(opened.db);
    if (error) throw error;
  });
  afterAll(async () => {
    await opened?.close();
  });
  return {
    get db() {
      if (!opened) throw new Error("the database is opened in beforeAll");
      return opened.db;
    },
    get url() {
      return database.url;
    },
    async reset() {
      if (!opened) throw new Error("the database is opened in beforeAll");
      const { rows } = await sql<{ name: string }>`
        select format('%I.%I', table_schema, table_name) as name
        from information_schema.tables
        where table_schema = 'teams' and table_type = 'BASE TABLE'
          and table_name not like 'kysely_%'`.execute(opened.db);
      await sql
        .raw(`truncate ${rows.map((r) => r.name).join(", ")} restart identity cascade`)
        .execute(opened.db);
    },
  };
}

/** The tenant the integration tests use: 16 users, 57 chats, 4 of them over 25 members. */
export const SMALL_TENANT = { users: 16, seed: 7 } as const;

/**
 * Simulators started through this (the small tenant, unlimited, unless `defaults` or the
 * call say otherwise) are closed after each test.
 */
export function useSimulators(
  defaults: SimulatorOptions = {},
): (options?: SimulatorOptions) => Promise<Simulator> {
  const started: Simulator[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((sim) => sim.close()));
  });
  return async (options = {}) => {
    const sim = await startSimulator({ ...SMALL_TENANT, rateScale: 0, ...defaults, ...options });
    started.push(sim);
    return sim;
  };
}

/** The options `sync` runs with when given no flags (the CLI's defaults), overridden. */
export async function syncOptions(overrides: Partial<SyncOptions> = {}): Promise<SyncOptions> {
  const defaults = await syncOptionsFromFlags({}, overrides.trigger ?? "manual");
  return Object.freeze({ ...defaults, ...overrides });
}

/** What a test may change of the extractor's Graph config (base URL and token come from the simulator). */
export type GraphTuning = Omit<GraphConfigInput, "baseUrl" | "auth">;

/**
 * One run against the simulator, into `db` (nothing written for a dry run). The
 * extractor's limiter is scaled to the simulator's: off when the simulator is unlimited.
 */
export function syncWith(
  sim: Simulator,
  db: Kysely<Database>,
  overrides: Partial<SyncOptions> = {},
  rateScale = 0,
): Promise<RunSummary> {
  return syncTuned(sim, db, { rateLimits: { scale: rateScale } }, overrides);
}

/** One run against the simulator into `db`, with the extractor configured as `graph` says. */
export async function syncTuned(
  sim: Simulator,
  db: Kysely<Database>,
  graph: GraphTuning = {},
  overrides: Partial<SyncOptions> = {},
  deps: GraphExtractorDeps = {},
): Promise<RunSummary> {
  const options = await syncOptions(overrides);
  const extractor = createGraphExtractor(
    defineGraphConfig({
      baseUrl: sim.url,
      auth: { kind: "static", token: sim.token },
      requestTimeoutMs: 10_000,
      rateLimits: { scale: 0 },
      ...graph,
    }),
    deps,
  );
  return runSync(
    {
      graph: graphSource(extractor),
      warehouse: options.dryRun ? dryRunWarehouse() : pgWarehouse(db),
      logger: createLogger({ level: "silent" }),
    },
    options,
  );
}
