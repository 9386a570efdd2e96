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
import { killWhen } from "../support/killable-cli.ts";
import { useSimWarehouse, useSimulators } from "../support/sim-warehouse.ts";
import { expectTenantsWarehouse } from "../support/tenants-truth.ts";
import { clearQueue, finishedFor, waitForRuns } from "../support/workers.ts";

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

/** Pools of the worker process `pid`, as its heartbeat row names them. */
async function poolsOf(pid: number): Promise<string[]> {
  const row = await warehouse.db
    .selectFrom("teams.sync_workers")
    .select("pool_ids")
    .where("pid", "=", pid)
    .executeTakeFirst();
  return row?.pool_ids ?? [];
}

describe("three worker processes, three tenants, a worker killed mid-run", () => {
  it("finish every tenant's run with its ground truth, the killed worker's job run again elsewhere", async () => {
    await warehouse.reset();
    await clearQueue(warehouse.db);
    const sims: Record<string, Simulator> = {};
    for (const [i, name] of TENANTS.entries()) {
      sims[name] = await simulator({ seed: 51 + i, token: `${name}-token` });
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

    // Kill the first worker as soon as it holds a batch job.
    const victim = workers[0] as RunningCli;
    let heldJob: string | null = null;
    const killed = await killWhen(victim, async () => {
      const pools = await poolsOf(victim.pid);
      if (pools.length === 0) return false;
      const { rows } = await sql<{ key: string }>`
        select key from graphile_worker.jobs
         where locked_by = any(${pools}::text[]) and task_identifier = 'teams_chat_sync_batch'`.execute(
        warehouse.db,
      );
      heldJob = rows[0]?.key ?? null;
      return heldJob !== null;
    });
    expect(killed.killed, killed.describe).toBe(true);

    const runs = await waitForRuns(warehouse.db, finishedFor(TENANTS), 180_000);
    expect(
      runs.map((r) => [r.tenant, r.status, r.users_succeeded, r.users_total]),
      JSON.stringify(runs),
    ).toEqual(TENANTS.map((t) => [t, "succeeded", 12, 12]));
    await expectTenantsWarehouse(warehouse.db, sims);

    // The killed worker's batch was done by a later attempt of its job, on another process.
    const match = /run\/(\d+)\/batch\/(\d+)$/.exec(heldJob ?? "");
    const { rows: attempts } = await sql<{ attempt: number; pid: number }>`
      select attempt, pid from teams.sync_run_jobs
       where run_id = ${Number(match?.[1])} and batch = ${Number(match?.[2])} and status = 'done'`.execute(
      warehouse.db,
    );
    expect(attempts).toHaveLength(1);
    expect(attempts[0]?.attempt).toBeGreaterThan(1);
    expect(attempts[0]?.pid).not.toBe(victim.pid);
    const { rows: pids } = await sql<{ n: number }>`
      select count(distinct pid)::int as n from teams.sync_run_jobs`.execute(warehouse.db);
    expect(pids[0]?.n).toBeGreaterThanOrEqual(2);

    for (const worker of workers.slice(1)) worker.child.kill("SIGTERM");
    for (const worker of workers.slice(1)) {
      const result = await worker.done;
      expect(result.code, result.describe).toBe(0);
    }
  }, 300_000);
});
