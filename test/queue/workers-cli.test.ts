/**
 * Many machines, for real: three `worker` processes (the binary) run the runs `enqueue
 * --all` queued for three simulated tenants; one worker is SIGKILLed in the middle of a
 * batch. Its job is released by the others once it is seen dead and runs again on a live
 * worker, every run finishes, and every tenant's warehouse equals its simulator's ground
 * truth, with no duplicate row. The live workers stop cleanly on SIGTERM.
 */
import { writeFileSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import type { Simulator } from "../../src/sim/index.ts";
import { runCli, startCli, type RunningCli } from "../support/cli.ts";
import { useSimWarehouse, useSimulators } from "../support/sim-warehouse.ts";
import { expectTenantsWarehouse } from "../support/tenants-truth.ts";
import { clearQueue, finishedFor, readRuns, waitForRuns } from "../support/workers.ts";

const warehouse = useSimWarehouse();
const simulator = useSimulators({ users: 12, latencyMs: 25 });
const TENANTS = ["t1", "t2", "t3"] as const;
const workers: RunningCli[] = [];

afterAll(() => {
  for (const w of workers) if (!w.exited()) w.child.kill("SIGKILL");
});

function tenantsFile(sims: Record<string, Simulator>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "tcs-workers-"));
  const file = path.join(dir, "tenants.json");
  writeFileSync(
    file,
    JSON.stringify(
      Object.entries(sims).map(([name, sim]) => ({
        name,
        accessTokenEnv: `${name.toUpperCase()}_TOKEN`,
        graphBaseUrl: sim.url,
      })),
    ),
  );
  return file;
}

interface Midway {
  /** The worker process holding the batch's job. */
  readonly pid: number;
  readonly runId: number;
  readonly batch: number;
  /** Users of the batch. */
  readonly users: number;
}

/**
 * A batch job that a worker process holds midway: some of its users committed, not all
 * (sync_run_users is written in each user's own transaction). The payload is only in
 * graphile-worker's private table (its jobs view leaves it out); a job's locker is named
 * by its process's heartbeat row.
 */
async function batchMidway(): Promise<Midway | null> {
  const { rows } = await sql<Midway & { committed: number }>`
    select w.pid, (j.payload->>'runId')::int as "runId", (j.payload->>'batch')::int as batch,
           jsonb_array_length(j.payload::jsonb->'users') as users,
           (select count(*)::int from teams.sync_run_users u
             where u.run_id = (j.payload->>'runId')::bigint and u.status = 'succeeded'
               and u.user_id in (select jsonb_array_elements_text(j.payload::jsonb->'users'))) as committed
      from graphile_worker._private_jobs j
      join graphile_worker._private_tasks t on t.id = j.task_id
      join teams.sync_workers w on j.locked_by = any(w.pool_ids)
     where t.identifier = 'teams_chat_sync_batch'`.execute(warehouse.db);
  return rows.find((r) => r.committed > 0 && r.committed < r.users) ?? null;
}

/**
 * SIGKILLs the first worker caught midway through a batch; throws if every run finished
 * before one was (the test could then prove nothing).
 */
async function killMidway(): Promise<{ victim: RunningCli; midway: Midway }> {
  for (;;) {
    const midway = await batchMidway();
    const victim = workers.find((w) => w.pid === midway?.pid && !w.exited());
    if (midway && victim) {
      victim.child.kill("SIGKILL");
      const result = await victim.done;
      expect(result.signal, result.describe).toBe("SIGKILL");
      return { victim, midway };
    }
    if (finishedFor(TENANTS)(await readRuns(warehouse.db))) {
      throw new Error("every run finished before a worker was caught midway through a batch");
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("three worker processes, three tenants, a worker killed mid-run", () => {
  it("finish every tenant's run with its ground truth, the killed worker's job run again elsewhere", async () => {
    await warehouse.reset();
    await clearQueue(warehouse.db);
    const sims: Record<string, Simulator> = {};
    for (const [i, name] of TENANTS.entries()) {
      sims[name] = await simulator({
        seed: 51 + i,
        token: `${name}-token`,
        faults: [{ kind: "slow", routes: ["listChats"], delayMs: 300 }],
      });
    }
    const file = tenantsFile(sims);
    const env = {
      DATABASE_URL: warehouse.url,
      LOG_LEVEL: "info",
      ...Object.fromEntries(TENANTS.map((t) => [`${t.toUpperCase()}_TOKEN`, `${t}-token`])),
    };
    for (let i = 0; i < 3; i++) {
      workers.push(
        startCli(
          [
            "worker",
            "--tenants-file",
            file,
            "--concurrency",
            "2",
            "--dead-after",
            "3",
            "--rate-scale",
            "0",
          ],
          env,
          240_000,
        ),
      );
    }
    const enqueue = await runCli(
      ["enqueue", "--all", "--tenants-file", file, "--batch-users", "3", "--concurrency", "2"],
      { DATABASE_URL: warehouse.url, LOG_LEVEL: "warn" },
    );
    expect(enqueue.code, enqueue.describe).toBe(0);
    expect(enqueue.stdout).toMatch(
      /tenant t1: queued[\s\S]*tenant t2: queued[\s\S]*tenant t3: queued/,
    );

    // Kill a worker in the middle of a batch: some of the batch's users committed, some
    // not (each user's chat listing is held back, so that moment lasts).
    const { victim, midway } = await killMidway();

    const runs = await waitForRuns(warehouse.db, finishedFor(TENANTS), 180_000);
    expect(
      runs.map((r) => [r.tenant, r.status, r.users_succeeded, r.users_total]).sort(),
      JSON.stringify(runs),
    ).toEqual(TENANTS.map((t) => [t, "succeeded", 12, 12]));
    await expectTenantsWarehouse(warehouse.db, sims);

    // The killed attempt left no row; a later attempt of its job, on another process, did
    // the batch's remaining users only (the killed attempt's commits were kept).
    const { rows: attempts } = await sql<{ attempt: number; pid: number; users: number }>`
      select attempt, pid, users from teams.sync_run_jobs
       where run_id = ${midway.runId} and batch = ${midway.batch}`.execute(warehouse.db);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]?.attempt).toBeGreaterThan(1);
    expect(attempts[0]?.pid).not.toBe(victim.pid);
    expect(attempts[0]?.users).toBeGreaterThan(0);
    expect(attempts[0]?.users).toBeLessThan(midway.users);
    const { rows: pids } = await sql<{ n: number }>`
      select count(distinct pid)::int as n from teams.sync_run_jobs`.execute(warehouse.db);
    expect(pids[0]?.n).toBeGreaterThanOrEqual(2);

    const live = workers.filter((w) => w !== victim);
    for (const worker of live) worker.child.kill("SIGTERM");
    for (const worker of live) {
      const result = await worker.done;
      expect(result.code, result.describe).toBe(0);
    }
  }, 300_000);

  it("refuse a job budget that would outlast graphile-worker's 4-hour lock", async () => {
    const result = await runCli(["worker", "--job-minutes", "240"], {});
    expect(result.code, result.describe).toBe(2);
    expect(result.stderr).toMatch(/--job-minutes.*at most 180/);
  });
});
