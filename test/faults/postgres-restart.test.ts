/**
 * The warehouse's server goes away mid-run: every backend of this test's database is
 * terminated (pg_terminate_backend from another connection, as a restart does to its
 * sessions; the server itself is shared by the other test files, so it is not stopped).
 * The run retries or fails cleanly, no user is half committed, and a rerun converges.
 */
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../src/load/index.ts";
import { runCli } from "../support/cli.ts";
import { useTestDatabase, withClient } from "../support/database.ts";
import { expectedWarehouse } from "../support/expected-warehouse.ts";
import { expectWarehouse, syncTuned } from "../support/fault-harness.ts";
import { useSimWarehouse, useSimulators } from "../support/sim-warehouse.ts";
import { readWarehouse } from "../support/warehouse-snapshot.ts";

const warehouse = useSimWarehouse();
const simulator = useSimulators();

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
