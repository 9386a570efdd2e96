/**
 * The warehouse's server goes away mid-run. Most tests terminate every backend of their
 * database (pg_terminate_backend from another connection, as a restart does to its
 * sessions; the shared server of the other test files is not stopped); one starts a
 * server of its own and really restarts it. The run retries (each retry logged), keeps
 * its run lock across the lost connection (a second run is refused meanwhile), no user
 * is half committed, and a rerun converges.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { sql, type Kysely } from "kysely";
import { describe, expect, it } from "vitest";
import { lockedSync, type LockedSyncIo, type LockedSyncResult } from "../../src/cli/locked-sync.ts";
import { createGraphExtractor, defineGraphConfig } from "../../src/extract/index.ts";
import {
  migrateToLatest,
  openDatabase,
  startEmbeddedPostgres,
  type Database,
} from "../../src/load/index.ts";
import type { Simulator } from "../../src/sim/index.ts";
import { graphSource } from "../../src/sync/graph-source.ts";
import type { SyncOptions } from "../../src/sync/options.ts";
import { captureLog, type CapturedLog } from "../support/captured-log.ts";
import { runCli } from "../support/cli.ts";
import { useTestDatabase, withClient } from "../support/database.ts";
import { expectedWarehouse } from "../support/expected-warehouse.ts";
import { expectWarehouse, syncTuned } from "../support/fault-harness.ts";
import { syncOptions, useSimWarehouse, useSimulators } from "../support/sim-warehouse.ts";
import { readWarehouse } from "../support/warehouse-snapshot.ts";

const warehouse = useSimWarehouse();
const simulator = useSimulators();

/** Polls until `minCommitted` users have committed (a failing query counts as none). */
async function untilCommitted(url: string, minCommitted: number, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const n = await withClient(url, (c) =>
      c.query<{ n: number }>(
        "select count(*)::int as n from teams.sync_run_users where status = 'succeeded'",
      ),
    )
      .then((r) => r.rows[0]?.n ?? 0)
      .catch(() => 0);
    if (n >= minCommitted) return;
    if (Date.now() > deadline)
      throw new Error(`no ${minCommitted} users committed within ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A sync through the CLI's lockedSync (run lock, fenced warehouse), logging into `log`. */
async function lockedRun(
  sim: Simulator,
  target: { readonly db: Kysely<Database>; readonly url: string },
  log: CapturedLog,
  overrides: Partial<SyncOptions> = {},
  io: Partial<LockedSyncIo> = {},
): Promise<LockedSyncResult> {
  const extractor = createGraphExtractor(
    defineGraphConfig({
      baseUrl: sim.url,
      auth: { kind: "static", token: sim.token },
      requestTimeoutMs: 10_000,
      rateLimits: { scale: 0 },
    }),
  );
  return lockedSync({ logger: log.logger }, await syncOptions(overrides), {
    graph: graphSource(extractor),
    db: target.db,
    databaseUrl: target.url,
    waitForLock: false,
    signal: new AbortController().signal,
    ...io,
  });
}

async function runsOf(db: Kysely<Database>) {
  return db
    .selectFrom("teams.sync_runs")
    .select(["run_id", "status", "started_at", "finished_at", "error"])
    .orderBy("run_id")
    .execute();
}

/**
 * Once `minCommitted` users of the running sync have committed (polled; a query that
 * fails while connections are being killed counts as none), terminates every other
 * backend of the database `rounds` times, `pauseMs` apart. Returns how many it ended.
 */
async function killConnectionsMidRun(
  url: string,
  plan: { minCommitted: number; rounds: number; pauseMs: number; withinMs: number },
): Promise<number> {
  const { minCommitted, rounds, pauseMs, withinMs } = plan;
  let terminated = 0;
  await withClient(url, async (admin) => {
    const deadline = Date.now() + withinMs;
    for (;;) {
      const n = await admin
        .query<{ n: number }>(
          "select count(*)::int as n from teams.sync_run_users where status = 'succeeded'",
        )
        .then((r) => r.rows[0]?.n ?? 0)
        .catch(() => 0);
      if (n >= minCommitted) break;
      if (Date.now() > deadline) throw new Error(`no user committed within ${withinMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
    for (let round = 0; round < rounds; round++) {
      const { rows } = await admin.query<{ n: number }>(
        `select count(*)::int as n from (
           select pg_terminate_backend(pid) from pg_stat_activity
           where datname = current_database() and pid <> pg_backend_pid()) t`,
      );
      terminated += rows[0]?.n ?? 0;
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  });
  return terminated;
}

describe("Postgres backends terminated during a run", () => {
  it("the run retries or fails cleanly, every user has all of its rows and watermarks or none, and a rerun converges", async () => {
    await warehouse.reset();
    const sim = await simulator({ latencyMs: 25 });
    const state = sim.state();
    const run = syncTuned(sim, warehouse.db, {}, { concurrency: 2 }).then(
      (summary) => ({ summary, error: null }),
      (error: unknown) => ({ summary: null, error }),
    );
    const terminated = await killConnectionsMidRun(warehouse.url, {
      minCommitted: 3,
      rounds: 2,
      pauseMs: 150,
      withinMs: 20_000,
    });
    expect(terminated).toBeGreaterThan(0);
    const outcome = await run;
    // Either retried through (succeeded) or stopped as a failed run; never "partial" with
    // users silently lost, and never an unhandled crash of anything but a DatabaseError.
    if (outcome.summary) {
      expect(["succeeded", "failed"]).toContain(outcome.summary.status);
    } else {
      expect(String(outcome.error)).toMatch(/terminat|connection|database/i);
    }

    // Per-user atomicity: a user with a watermark has all its viewpoints; one without has none.
    const { rows: marks } = await sql<{ user_id: string }>`
      select distinct user_id from teams.sync_watermarks`.execute(warehouse.db);
    const withMark = new Set(marks.map((m) => m.user_id));
    const { rows: viewpoints } = await sql<{ user_id: string; n: number }>`
      select user_id, count(*)::int as n from teams.user_chats group by user_id`.execute(
      warehouse.db,
    );
    const stored = new Map(viewpoints.map((v) => [v.user_id, v.n]));
    for (const user of state.users) {
      const chats = state.chats.filter((c) => user.id in c.viewpoints).length;
      expect(stored.get(user.id) ?? 0, `user_chats of ${user.id}`).toBe(
        withMark.has(user.id) ? chats : 0,
      );
    }

    const rerun = await syncTuned(sim, warehouse.db);
    expect(rerun.status).toBe("succeeded");
    expectWarehouse(await readWarehouse(warehouse.db), expectedWarehouse(state));
  });
});

describe("Postgres backends terminated under the CLI", () => {
  const cliDb = useTestDatabase();

  it("the binary retries or exits with one clean line, never an uncaught 'Connection terminated' crash, and a rerun converges", async () => {
    const sim = await simulator({ latencyMs: 25, rateScale: 10 });
    const env = {
      DATABASE_URL: cliDb.url,
      GRAPH_BASE_URL: sim.url,
      GRAPH_ACCESS_TOKEN: sim.token,
      LOG_LEVEL: "error",
    };
    const args = ["sync", "--json", "--concurrency", "2", "--rate-scale", "10"];
    const running = runCli(args, env, 60_000);
    const terminated = await killConnectionsMidRun(cliDb.url, {
      minCommitted: 2,
      rounds: 5,
      pauseMs: 40,
      withinMs: 30_000,
    });
    expect(terminated).toBeGreaterThan(0);
    const result = await running;
    expect([0, 1], result.describe).toContain(result.code);
    // An uncaught exception prints a stack ("    at ..."); a handled failure prints one line.
    expect(result.stderr, result.describe).not.toMatch(/^\s+at /m);
    expect(result.stderr, result.describe).not.toMatch(/Connection terminated unexpectedly\n/);

    const rerun = await runCli(args, { ...env, LOG_LEVEL: "warn" }, 60_000);
    expect(rerun.code, rerun.describe).toBe(0);
    const { db, close } = openDatabase(cliDb.url);
    try {
      expectWarehouse(await readWarehouse(db), expectedWarehouse(sim.state()));
    } finally {
      await close();
    }
  });
});

describe("the run lock when the first run's connections are terminated", () => {
  it("a second sync started right after is refused, a waiting one runs only after the first, and the first is not closed as abandoned", async () => {
    await warehouse.reset();
    const sim = await simulator({ latencyMs: 25 });
    const log = captureLog();
    // One user at a time: the first run lasts long after the loss.
    const first = lockedRun(sim, warehouse, log, { concurrency: 1 });
    // Every backend of the database, the lock's own connection included.
    const terminated = await killConnectionsMidRun(warehouse.url, {
      minCommitted: 3,
      rounds: 1,
      pauseMs: 0,
      withinMs: 20_000,
    });
    expect(terminated).toBeGreaterThan(0);

    const second = await lockedRun(sim, warehouse, captureLog());
    expect(second.kind).toBe("busy");
    expect(second.kind === "busy" ? second.message : "").toMatch(
      new RegExp(`another teams-chat-sync run holds the run lock \\(process ${process.pid} on `),
    );
    const waiting = lockedRun(sim, warehouse, captureLog(), {}, { waitForLock: true });

    const [a, c] = await Promise.all([first, waiting]);
    expect(a.kind === "ran" ? a.summary.status : a.message).toBe("succeeded");
    expect(c.kind === "ran" ? c.summary.status : c.message).toBe("succeeded");
    const runs = await runsOf(warehouse.db);
    expect(runs.map((r) => ({ status: r.status, error: r.error }))).toEqual([
      { status: "succeeded", error: null },
      { status: "succeeded", error: null },
    ]);
    // Never both writing: the waiting run started after the first had finished.
    expect(runs[1]?.started_at.getTime()).toBeGreaterThanOrEqual(
      runs[0]?.finished_at?.getTime() ?? Infinity,
    );
    expect(log.lines.map((l) => l.msg)).toContain(
      "the run lock is held again on a new database connection",
    );
    // Whether a statement was in flight when its backend died depends on timing: retries
    // (and their log lines) are asserted by the restart test above, not here.
    expectWarehouse(await readWarehouse(warehouse.db), expectedWarehouse(sim.state()));
  });
});

describe("a real restart of the warehouse's Postgres in the middle of a run", () => {
  it("the run rides it out with each retry logged, keeps its lock (a sync started right after the restart is refused), and a rerun leaves the simulator's ground truth", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "tcs-restart-"));
    let server = await startEmbeddedPostgres({ dir, port: 0, persistent: true });
    const opened = openDatabase(server.url);
    const target = { db: opened.db, url: server.url };
    try {
      const { error } = await migrateToLatest(opened.db);
      expect(error).toBeUndefined();
      const sim = await simulator({ latencyMs: 25 });
      const log = captureLog();
      const run = lockedRun(sim, target, log, { concurrency: 2 });
      await untilCommitted(server.url, 3, 30_000);

      // A fast shutdown ends every session (57P01), then the same cluster comes back.
      await server.stop();
      server = await startEmbeddedPostgres({ dir, port: server.port, persistent: true });

      const second = await lockedRun(sim, target, captureLog());
      expect(second.kind).toBe("busy");

      const outcome = await run;
      expect(outcome.kind).toBe("ran");
      if (outcome.kind !== "ran") return;
      // Ridden out; had it not been, one line would say why.
      expect(outcome.summary.fatal ?? "").not.toMatch(/\n/);
      expect(outcome.summary.status).toBe("succeeded");
      const retries = log.retries();
      expect(retries.length).toBeGreaterThan(0);
      for (const retry of retries) {
        expect(retry.level).toBe(40);
        expect(retry).toMatchObject({
          operation: expect.any(String),
          reason: expect.any(String),
          attempt: expect.any(Number),
          delayMs: expect.any(Number),
        });
      }
      expect(log.lines.map((l) => l.msg)).toContain(
        "the run lock is held again on a new database connection",
      );
      const [record] = await runsOf(opened.db);
      expect(record?.status).toBe("succeeded");
      const counts = await opened.db
        .selectFrom("teams.sync_runs")
        .select(["users_total", "users_succeeded", "users_failed"])
        .executeTakeFirstOrThrow();
      expect(counts.users_succeeded + counts.users_failed).toBe(counts.users_total);

      const rerun = await lockedRun(sim, target, captureLog());
      expect(rerun.kind === "ran" ? rerun.summary.status : rerun.message).toBe("succeeded");
      expectWarehouse(await readWarehouse(opened.db), expectedWarehouse(sim.state()));
    } finally {
      await opened.close();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
