/**
 * Processes racing for one warehouse, through the real binary: the run lock keeps two
 * syncs from ever writing at once, and a sync SIGKILLed at random points leaves nothing a
 * rerun cannot converge from: the final warehouse equals an uninterrupted run's.
 */
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../src/load/index.ts";
import { startSimulator } from "../../src/sim/index.ts";
import { runCli, startCli } from "../support/cli.ts";
import { killWhen, seededRandom } from "../support/killable-cli.ts";
import { useTestDatabase } from "../support/database.ts";
import { expectedWarehouse } from "../support/expected-warehouse.ts";
import { expectWarehouse, watermarks } from "../support/fault-harness.ts";
import { SMALL_TENANT } from "../support/sim-warehouse.ts";
import { readWarehouse } from "../support/warehouse-snapshot.ts";

const lockDb = useTestDatabase();
const killedDb = useTestDatabase();
const cleanDb = useTestDatabase();

const RATE_SCALE = 10;

function env(databaseUrl: string, graphUrl: string, token: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    GRAPH_BASE_URL: graphUrl,
    GRAPH_ACCESS_TOKEN: token,
    LOG_LEVEL: "warn",
  };
}

async function runningRuns(url: string): Promise<number> {
  const { db, close } = openDatabase(url);
  try {
    const rows = await db
      .selectFrom("teams.sync_runs")
      .select("run_id")
      .where("status", "=", "running")
      .execute();
    return rows.length;
  } catch {
    return 0; // not migrated yet
  } finally {
    await close();
  }
}

describe("two sync processes at once", () => {
  it("the second exits 1 naming the lock holder and writes nothing; with --wait-for-lock it waits and runs after the first", async () => {
    // Slow enough that the first run is still going when the others start.
    const sim = await startSimulator({ ...SMALL_TENANT, rateScale: RATE_SCALE, latencyMs: 120 });
    try {
      const e = env(lockDb.url, sim.url, sim.token);
      const args = ["sync", "--json", "--rate-scale", String(RATE_SCALE)];
      // One user at a time: the first run lasts long after the other two processes start.
      const first = runCli([...args, "--concurrency", "1"], e, 90_000);
      const deadline = Date.now() + 20_000;
      while ((await runningRuns(lockDb.url)) === 0) {
        if (Date.now() > deadline) throw new Error("the first sync never started its run");
        await new Promise((r) => setTimeout(r, 50));
      }
      const waiting = runCli([...args, "--wait-for-lock"], e, 60_000);
      const busy = await runCli(args, e, 30_000);
      expect(busy.code, busy.describe).toBe(1);
      expect(busy.stderr).toMatch(/run lock/);
      expect(busy.stderr).toMatch(/postgres backend pid \d+/);
      expect(busy.stdout).toBe("");

      const [a, c] = await Promise.all([first, waiting]);
      expect(a.code, a.describe).toBe(0);
      expect(c.code, c.describe).toBe(0);
      const { db, close } = openDatabase(lockDb.url);
      try {
        const runs = await db.selectFrom("teams.sync_runs").selectAll().orderBy("run_id").execute();
        expect(runs.map((r) => r.status)).toEqual(["succeeded", "succeeded"]);
        const [r1, r2] = runs;
        // Never both writing: the waiting run started after the first had finished.
        expect(r2?.started_at.getTime()).toBeGreaterThanOrEqual(
          r1?.finished_at?.getTime() ?? Infinity,
        );
        expectWarehouse(await readWarehouse(db), expectedWarehouse(sim.state()));
      } finally {
        await close();
      }
    } finally {
      await sim.close();
    }
  });
});

describe("SIGKILL at random points", () => {
  it("after a seeded series of killed syncs, a rerun leaves the warehouse equal to an uninterrupted run's", async () => {
    const sim = await startSimulator({ ...SMALL_TENANT, rateScale: RATE_SCALE, latencyMs: 15 });
    try {
      const args = ["sync", "--json", "--rate-scale", String(RATE_SCALE)];
      const random = seededRandom(20240603);
      const kills: number[] = [];
      // Kill points are counted in Graph requests, not milliseconds, so a slow or busy
      // machine moves them in time but not in the run: every one falls inside a run, after
      // its first listings (a few users are committed) and before its last (some are not).
      const users = sim.state().users.length;
      for (let trial = 0; trial < 5; trial++) {
        const killAt = 2 + Math.floor(random() * (users - 2));
        sim.resetStats();
        const cli = startCli([...args, "--wait-for-lock"], env(killedDb.url, sim.url, sim.token));
        const killed = await killWhen(cli, () => sim.stats().requests >= killAt);
        kills.push(killed.killed ? killAt : -1);
      }
      expect(kills.filter((k) => k > 0).length, `kills at requests ${kills.join(", ")}`).toBe(5);

      const rerun = await runCli(
        [...args, "--wait-for-lock"],
        env(killedDb.url, sim.url, sim.token),
      );
      expect(rerun.code, rerun.describe).toBe(0);
      const clean = await runCli(args, env(cleanDb.url, sim.url, sim.token));
      expect(clean.code, clean.describe).toBe(0);

      const killedWh = openDatabase(killedDb.url);
      const cleanWh = openDatabase(cleanDb.url);
      try {
        const uninterrupted = await readWarehouse(cleanWh.db);
        expectWarehouse(await readWarehouse(killedWh.db), uninterrupted);
        expectWarehouse(uninterrupted, expectedWarehouse(sim.state()));
        expect(await watermarks(killedWh.db)).toEqual(await watermarks(cleanWh.db));
      } finally {
        await Promise.all([killedWh.close(), cleanWh.close()]);
      }
    } finally {
      await sim.close();
    }
  });
});
