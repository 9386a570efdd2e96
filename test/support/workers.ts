/** Runs of the workers in tests: an in-process worker over simulators, and waiting for runs. */
import { sql, type Kysely } from "kysely";
import { createGraphExtractor, defineGraphConfig } from "../../src/extract/index.ts";
import type { Database } from "../../src/load/index.ts";
import { createLogger, type Logger } from "../../src/log.ts";
import type { Simulator } from "../../src/sim/index.ts";
import { graphSource } from "../../src/sync/graph-source.ts";
import { runWorkers } from "../../src/queue/run-workers.ts";
import type { WorkContext } from "../../src/queue/work-context.ts";

/** A worker context whose tenants are simulators (unlimited limiter unless `rateScale`). */
export function simWorkContext(
  db: Kysely<Database>,
  databaseUrl: string,
  sims: Readonly<Record<string, Simulator>>,
  options: { logger?: Logger; rateScale?: number; jobBudgetMs?: number } = {},
): WorkContext {
  return {
    ...(options.jobBudgetMs === undefined ? {} : { jobBudgetMs: options.jobBudgetMs }),
    db,
    databaseUrl,
    logger: options.logger ?? createLogger({ level: "silent" }),
    tenants: new Set(Object.keys(sims)),
    graph: (tenant) => {
      const sim = sims[tenant];
      if (!sim) throw new Error(`no simulator for tenant ${tenant}`);
      return graphSource(
        createGraphExtractor(
          defineGraphConfig({
            baseUrl: sim.url,
            auth: { kind: "static", token: sim.token },
            requestTimeoutMs: 10_000,
            rateLimits: { scale: options.rateScale ?? 0 },
          }),
        ),
      );
    },
  };
}

/** A worker process's runner, in this process, until `stop()`. */
export function startWorker(
  ctx: WorkContext,
  options: { concurrency?: number; deadAfterMs?: number } = {},
): { stop(): Promise<void> } {
  const controller = new AbortController();
  const running = runWorkers({
    ctx,
    concurrency: options.concurrency ?? 2,
    deadAfterMs: options.deadAfterMs ?? 10_000,
    signal: controller.signal,
    pollIntervalMs: 200,
    shutdownGraceMs: 2_000,
    restart: { minMs: 100, maxMs: 1_000 },
  });
  return {
    async stop() {
      controller.abort();
      await running;
    },
  };
}

export interface RunRow {
  run_id: number;
  tenant: string;
  status: string;
  executor: string;
  jobs_total: number | null;
  users_total: number;
  users_succeeded: number;
  users_failed: number;
  error: string | null;
}

export async function readRuns(db: Kysely<Database>): Promise<RunRow[]> {
  const { rows } = await sql<RunRow>`
    select run_id, tenant, status, executor, jobs_total, users_total, users_succeeded,
           users_failed, error
      from teams.sync_runs order by run_id`.execute(db);
  return rows;
}

/** Polls until `done` holds for the runs (or throws after `timeoutMs`, naming what it saw). */
export async function waitForRuns(
  db: Kysely<Database>,
  done: (runs: RunRow[]) => boolean,
  timeoutMs = 60_000,
): Promise<RunRow[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const runs = await readRuns(db);
    if (done(runs)) return runs;
    if (Date.now() > deadline) {
      throw new Error(`runs not as expected after ${timeoutMs} ms: ${JSON.stringify(runs)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every tenant named has a finished run of the workers. */
export function finishedFor(tenants: readonly string[]): (runs: RunRow[]) => boolean {
  return (runs) =>
    tenants.every((t) =>
      runs.some((r) => r.tenant === t && r.executor === "workers" && r.status !== "running"),
    );
}

/** Empties graphile-worker's jobs and queues (when its schema exists), as reset() does teams. */
export async function clearQueue(db: Kysely<Database>): Promise<void> {
  await sql`
    do $$
    begin
      if to_regclass('graphile_worker._private_jobs') is not null then
        delete from graphile_worker._private_jobs;
        delete from graphile_worker._private_job_queues;
      end if;
    end
    $$`.execute(db);
}
