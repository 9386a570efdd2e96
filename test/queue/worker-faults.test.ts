/**
 * Faults of the workers, in process: a batch that keeps failing ends in graphile-worker's
 * failed state with its error (the run still finishes, failed, and status shows the job);
 * a tenant is not queued twice; the jobs of a dead worker pool are released at once,
 * a live one's are not; a worker whose connections are all cut goes on with the next
 * jobs, and a run it was in the middle of converges.
 */
import { sql } from "kysely";
import { makeWorkerUtils } from "graphile-worker";
import { afterEach, describe, expect, it } from "vitest";
import { readTenantStatus } from "../../src/load/tenant-status.ts";
import { WORKER_SCHEMA } from "../../src/queue/add-job.ts";
import { enqueueRuns } from "../../src/queue/enqueue.ts";
import { releaseDeadPools } from "../../src/queue/heartbeat.ts";
import { planJobKey, TENANT_QUEUE_PREFIX } from "../../src/queue/names.ts";
import { runRequest, type RunRequest } from "../../src/queue/payloads.ts";
import { runCli } from "../support/cli.ts";
import { withClient } from "../support/database.ts";
import { syncOptions, useSimWarehouse, useSimulators } from "../support/sim-warehouse.ts";
import { expectTenantsWarehouse } from "../support/tenants-truth.ts";
import {
  clearQueue,
  finishedFor,
  simWorkContext,
  startWorker,
  waitForRuns,
} from "../support/workers.ts";

const warehouse = useSimWarehouse();
const simulator = useSimulators({ users: 6 });
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

async function request(
  tenant: string,
  work: Partial<{ batchUsers: number; maxAttempts: number }> = {},
): Promise<RunRequest> {
  return runRequest(tenant, await syncOptions({ concurrency: 3 }), {
    batchUsers: work.batchUsers ?? 3,
    maxAttempts: work.maxAttempts ?? 3,
  });
}

async function migratedQueue(): Promise<void> {
  const utils = await makeWorkerUtils({ connectionString: warehouse.url });
  await utils.migrate();
  await utils.release();
}

describe("faults of the workers", () => {
  it("a batch that keeps failing ends failed with its error after its attempts; the run finishes failed and status shows the job", async () => {
    await warehouse.reset();
    await clearQueue(warehouse.db);
    const sim = await simulator({ seed: 41 });
    const victim = sim.state().users[0]?.id ?? "";
    // Graph revokes the token at the victim's listing: every attempt of the batch stops.
    sim.setFaults([{ kind: "tokenRevoked", routes: ["listChats"], users: [victim] }]);
    stops.push(startWorker(simWorkContext(warehouse.db, warehouse.url, { west: sim })).stop);
    await enqueueRuns(warehouse.db, warehouse.url, [
      await request("west", { batchUsers: 10, maxAttempts: 2 }),
    ]);
    const [run] = await waitForRuns(warehouse.db, finishedFor(["west"]));
    expect(run).toMatchObject({ status: "failed", jobs_total: 1 });
    expect(run?.error).toMatch(/1 of 1 batches given up: batch 0: .*401|token/i);

    const [status] = await readTenantStatus(warehouse.db, TENANT_QUEUE_PREFIX, WORKER_SCHEMA);
    expect(status?.tenant).toBe("west");
    expect(status?.in_progress).toBeNull();
    expect(status?.jobs).toMatchObject({ pending: 0, running: 0, failed: 1 });
    expect(status?.jobs.failed_jobs[0]).toMatchObject({
      task: "teams_chat_sync_batch",
      attempts: 2,
      max_attempts: 2,
    });
    expect(status?.jobs.failed_jobs[0]?.last_error).toMatch(/401|token/i);
    expect(status?.last_finished).toMatchObject({ run_id: run?.run_id, status: "failed" });
    const { rows: attempts } = await sql<{ attempt: number; status: string }>`
      select attempt, status from teams.sync_run_jobs order by attempt`.execute(warehouse.db);
    expect(attempts).toEqual([
      { attempt: 1, status: "retrying" },
      { attempt: 2, status: "failed" },
    ]);

    const cli = await runCli(["status", "--json"], {
      DATABASE_URL: warehouse.url,
      LOG_LEVEL: "warn",
    });
    expect(cli.code, cli.describe).toBe(0);
    const json = JSON.parse(cli.stdout) as {
      tenants: { tenant: string; jobs: { failed: number } }[];
    };
    expect(json.tenants).toMatchObject([{ tenant: "west", jobs: { failed: 1 } }]);
    const text = await runCli(["status"], { DATABASE_URL: warehouse.url, LOG_LEVEL: "warn" });
    expect(text.stdout).toMatch(/west: no run in progress; jobs 0 pending, 0 running, 1 failed/);
    expect(text.stdout).toMatch(/failed job \d+ teams_chat_sync_batch after 2 attempts/);
  });

  it("queues a tenant once: a second request while the first waits replaces it, and none while its run is in progress", async () => {
    await warehouse.reset();
    await clearQueue(warehouse.db);
    const sims = { east: await simulator({ seed: 42 }) };
    const first = await enqueueRuns(warehouse.db, warehouse.url, [await request("east")]);
    const second = await enqueueRuns(warehouse.db, warehouse.url, [await request("east")]);
    expect([first[0]?.queued, second[0]?.queued]).toEqual([true, true]);
    const { rows: plans } = await sql<{ n: number }>`
      select count(*)::int as n from graphile_worker.jobs where key = ${planJobKey("east")}`.execute(
      warehouse.db,
    );
    expect(plans[0]?.n).toBe(1);

    // A run of the workers in progress: nothing is queued for its tenant.
    const { rows } = await sql<{ run_id: number }>`
      insert into teams.sync_runs (trigger, tenant, executor) values ('manual', 'east', 'workers')
      returning run_id`.execute(warehouse.db);
    const busy = await enqueueRuns(warehouse.db, warehouse.url, [await request("east")]);
    expect(busy[0]).toMatchObject({ queued: false, runId: rows[0]?.run_id });
    await sql`delete from teams.sync_runs`.execute(warehouse.db);

    stops.push(startWorker(simWorkContext(warehouse.db, warehouse.url, sims)).stop);
    const runs = await waitForRuns(warehouse.db, finishedFor(["east"]));
    expect(runs.map((r) => r.status)).toEqual(["succeeded"]);
    await expectTenantsWarehouse(warehouse.db, sims);
  });

  it("releases the jobs a dead worker pool holds, not those of a live pool or a pool not yet registered", async () => {
    await warehouse.reset();
    await clearQueue(warehouse.db);
    await migratedQueue();
    const add = (key: string) =>
      sql`select graphile_worker.add_job('teams_chat_sync_plan', '{}'::json, job_key => ${key})`.execute(
        warehouse.db,
      );
    for (const key of ["dead", "live", "young"]) await add(key);
    const lock = (key: string, pool: string, agoSeconds: number) =>
      sql`update graphile_worker._private_jobs
             set locked_by = ${pool}, locked_at = now() - make_interval(secs => ${agoSeconds})
           where key = ${key}`.execute(warehouse.db);
    await lock("dead", "pool-dead", 120);
    await lock("live", "pool-live", 120);
    await lock("young", "pool-young", 1);
    await warehouse.db
      .insertInto("teams.sync_workers")
      .values([
        {
          process_id: "00000000-0000-4000-8000-000000000001",
          host: "a",
          pid: 1,
          pool_ids: ["pool-live"],
          concurrency: 1,
          dead_after_seconds: 60,
        },
        {
          process_id: "00000000-0000-4000-8000-000000000002",
          host: "b",
          pid: 2,
          pool_ids: ["pool-dead"],
          concurrency: 1,
          dead_after_seconds: 60,
          heartbeat_at: new Date(Date.now() - 5 * 60_000),
        },
      ])
      .execute();
    expect(await releaseDeadPools(warehouse.db, 60_000)).toEqual(["pool-dead"]);
    const { rows } = await sql<{ key: string; locked_by: string | null }>`
      select key, locked_by from graphile_worker.jobs order by key`.execute(warehouse.db);
    expect(rows).toEqual([
      { key: "dead", locked_by: null },
      { key: "live", locked_by: "pool-live" },
      { key: "young", locked_by: "pool-young" },
    ]);
  });

  it("goes on after every connection of the worker is cut, idle and in the middle of a run, and the runs converge", async () => {
    await warehouse.reset();
    await clearQueue(warehouse.db);
    const sims = { south: await simulator({ seed: 43, latencyMs: 30 }) };
    stops.push(startWorker(simWorkContext(warehouse.db, warehouse.url, sims)).stop);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const cut = () =>
      withClient(warehouse.url, (c) =>
        c.query(
          `select pg_terminate_backend(pid) from pg_stat_activity
            where datname = current_database() and pid <> pg_backend_pid()`,
        ),
      );
    await cut();
    await enqueueRuns(warehouse.db, warehouse.url, [await request("south", { batchUsers: 2 })]);
    // Cut again once the run is under way.
    await waitForRuns(warehouse.db, (runs) => runs.some((r) => r.jobs_total !== null), 30_000);
    await cut();
    const runs = await waitForRuns(warehouse.db, finishedFor(["south"]), 90_000);
    expect(runs.map((r) => r.status)).toEqual(["succeeded"]);
    await expectTenantsWarehouse(warehouse.db, sims);
  });
});
