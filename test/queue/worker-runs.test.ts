/**
 * Runs of the workers, in process: a tenant's run is planned into batch jobs, the jobs
 * run under the tenant's queue and lock, and the run finishes once after its last batch,
 * with counts that add up; the warehouse then equals every tenant's ground truth.
 */
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { enqueueRuns } from "../../src/queue/enqueue.ts";
import { runRequest } from "../../src/queue/payloads.ts";
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
const simulator = useSimulators({ users: 7 });
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

describe("runs of the workers", () => {
  it("split each tenant's users into batch jobs and finish each run once, converged", async () => {
    await warehouse.reset();
    await clearQueue(warehouse.db);
    const sims = { default: await simulator({ seed: 31 }), north: await simulator({ seed: 32 }) };
    const ctx = simWorkContext(warehouse.db, warehouse.url, sims);
    for (let i = 0; i < 2; i++) stops.push(startWorker(ctx).stop);
    const options = await syncOptions({ concurrency: 3 });
    const requests = Object.keys(sims).map((t) =>
      runRequest(t, options, { batchUsers: 3, maxAttempts: 3 }),
    );
    const outcomes = await enqueueRuns(warehouse.db, warehouse.url, requests);
    expect(outcomes.map((o) => o.queued)).toEqual([true, true]);
    const runs = await waitForRuns(warehouse.db, finishedFor(Object.keys(sims)));
    expect(
      // Sorted by tenant: which plan job runs first is the workers' choice.
      runs.map((r) => [r.tenant, r.status, r.jobs_total, r.users_total, r.users_succeeded]).sort(),
    ).toEqual([
      ["default", "succeeded", 3, 7, 7],
      ["north", "succeeded", 3, 7, 7],
    ]);
    await expectTenantsWarehouse(warehouse.db, sims);
    const { rows: attempts } = await sql<{ run_id: number; batch: number; status: string }>`
      select run_id, batch, status from teams.sync_run_jobs order by run_id, batch`.execute(
      warehouse.db,
    );
    expect(attempts.map((a) => a.status)).toEqual(Array(6).fill("done"));
  });

  it("hand a batch's remaining users to a new batch once its time budget is spent, each job doing at least one", async () => {
    await warehouse.reset();
    await clearQueue(warehouse.db);
    const sims = { west: await simulator({ seed: 33 }) };
    // A budget spent at once: each job finishes the user in flight and stops starting.
    const ctx = simWorkContext(warehouse.db, warehouse.url, sims, { jobBudgetMs: 1 });
    stops.push(startWorker(ctx).stop);
    const options = await syncOptions({ concurrency: 1 });
    await enqueueRuns(warehouse.db, warehouse.url, [
      runRequest("west", options, { batchUsers: 4, maxAttempts: 1 }),
    ]);
    const [run] = await waitForRuns(warehouse.db, finishedFor(["west"]));
    expect(run).toMatchObject({ status: "succeeded", users_total: 7, users_succeeded: 7 });
    // Planned as 2 batches; each job stopped after a user or two and handed on the rest.
    expect(run?.jobs_total).toBeGreaterThan(3);
    const { rows: attempts } = await sql<{
      batch: number;
      attempt: number;
      status: string;
      users: number;
    }>`
      select batch, attempt, status, users from teams.sync_run_jobs order by batch`.execute(
      warehouse.db,
    );
    expect(attempts.map((a) => a.batch)).toEqual([...Array(run?.jobs_total).keys()]);
    for (const a of attempts) expect(a).toMatchObject({ attempt: 1, status: "done" });
    expect(attempts.every((a) => a.users >= 1)).toBe(true);
    expect(attempts.reduce((n, a) => n + a.users, 0)).toBe(7);
    await expectTenantsWarehouse(warehouse.db, sims);
  });

  it("poll no operation that an earlier batch of the same run already listed or polled", async () => {
    await warehouse.reset();
    await clearQueue(warehouse.db);
    const sims = { east: await simulator({ seed: 34 }) };
    const ctx = simWorkContext(warehouse.db, warehouse.url, sims);
    stops.push(startWorker(ctx).stop);
    const options = await syncOptions({ concurrency: 2 });
    // A user a batch: chats shared by users of different batches come up again and again.
    await enqueueRuns(warehouse.db, warehouse.url, [
      runRequest("east", options, { batchUsers: 1, maxAttempts: 1 }),
    ]);
    const [run] = await waitForRuns(warehouse.db, finishedFor(["east"]));
    expect(run).toMatchObject({ status: "succeeded", jobs_total: 7 });
    // The case exists: operations not ended, in chats users of several batches list.
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from teams.chat_operations
      where status in ('notStarted', 'inProgress')
        and chat_id in (select chat_id from teams.user_chats group by chat_id having count(*) > 1)
    `.execute(warehouse.db);
    expect(rows[0]?.n).toBeGreaterThan(0);
    // A backfill lists every chat's operations once, as one process does: nothing to poll
    // (each batch used to poll again what earlier batches had just listed).
    expect(sims.east.stats().byRouteKind.getOperation ?? 0).toBe(0);
    await expectTenantsWarehouse(warehouse.db, sims);
  });
});
