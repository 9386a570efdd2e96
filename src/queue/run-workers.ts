import { EventEmitter } from "node:events";
import { Logger as WorkerLogger, run, runMigrations, type Runner } from "graphile-worker";
import { sql } from "kysely";
import pg from "pg";
import type { Logger } from "../log.ts";
import { WORKER_SCHEMA } from "./add-job.ts";
import { Heartbeat } from "./heartbeat.ts";
import { taskList } from "./tasks/index.ts";
import type { WorkContext } from "./work-context.ts";

export interface RunWorkersOptions {
  readonly ctx: WorkContext;
  /** Jobs this process runs at once (graphile-worker's concurrency). */
  readonly concurrency: number;
  /** A worker process silent this long is dead: its jobs are released to the others. */
  readonly deadAfterMs: number;
  /** Stops the runner: the jobs in flight get its abort signal, stop starting users and end. */
  readonly signal: AbortSignal;
  /** How long jobs get to finish after the stop before they are aborted (default 30 s). */
  readonly shutdownGraceMs?: number;
  /** How often a worker looks for jobs besides LISTEN/NOTIFY (default 2 s). */
  readonly pollIntervalMs?: number;
  /** Restart delays of the runner: doubling from min to max (default 1 s to 30 s). */
  readonly restart?: { readonly minMs: number; readonly maxMs: number };
  /** Before each restart (the embedded Postgres is started again if it went away). */
  readonly onRestart?: () => Promise<void>;
}

/** A runner that ran this long had recovered: the next restart starts from the shortest delay. */
const HEALTHY_MS = 60_000;

/**
 * Runs graphile-worker against the warehouse's database until `signal`: its migrations
 * (schema graphile_worker), the heartbeat that releases dead workers' jobs, and a runner
 * supervised: graphile-worker rides out a lost connection on its own (its workers keep
 * polling, its LISTEN client reconnects), and when the runner stops all the same (it
 * gives up after a failed completion, or cannot start while the database is away) it is
 * started again with backoff, the jobs its old pool held released at once. The local
 * queue stays off (its batching breaks one-at-a-time queues, which the tenants rely on).
 */
export async function runWorkers(options: RunWorkersOptions): Promise<void> {
  const { ctx, signal } = options;
  const logger = ctx.logger;
  const restart = options.restart ?? { minMs: 1_000, maxMs: 30_000 };
  const pool = new pg.Pool({
    connectionString: ctx.databaseUrl,
    max: options.concurrency + 2,
    application_name: `teams-chat-sync worker pid=${process.pid}`,
  });
  // A connection the server dropped is taken out of the pool (idle) or fails its query
  // (checked out); either emits 'error', which unhandled would crash the process.
  pool.on("error", (error) => logger.warn({ err: error }, "worker queue connection lost"));
  pool.on("connect", (client) =>
    client.on("error", (error) => logger.warn({ err: error }, "worker queue connection lost")),
  );
  const heartbeat = new Heartbeat({
    db: ctx.db,
    logger,
    concurrency: options.concurrency,
    deadAfterMs: options.deadAfterMs,
  });
  const events = new EventEmitter();
  let currentPool: string | null = null;
  events.on("pool:create", ({ workerPool }: { workerPool: { id: string } }) => {
    currentPool = workerPool.id;
    heartbeat.addPool(workerPool.id);
  });
  events.on(
    "job:failed",
    ({ job, error }: { job: { id: string; task_identifier: string }; error: unknown }) =>
      logger.error(
        { job: job.id, task: job.task_identifier, err: error },
        `job ${job.id} (${job.task_identifier}) failed for good: its attempts are spent`,
      ),
  );
  let delayMs = restart.minMs;
  let migrated = false;
  try {
    while (!signal.aborted) {
      const startedAt = Date.now();
      let runner: Runner | null = null;
      try {
        if (!migrated) {
          await runMigrations({ pgPool: pool, logger: workerLogger(logger) });
          migrated = true;
          heartbeat.start();
          await heartbeat.beat();
        }
        runner = await run({
          pgPool: pool,
          concurrency: options.concurrency,
          noHandleSignals: true,
          pollInterval: options.pollIntervalMs ?? 2_000,
          gracefulShutdownAbortTimeout: options.shutdownGraceMs ?? 30_000,
          taskList: taskList(ctx),
          logger: workerLogger(logger),
          events,
        });
        logger.info({ concurrency: options.concurrency, pool: currentPool }, "worker running");
        const ended = await Promise.race([
          runner.promise.then(
            () => "ended" as const,
            (error: unknown) => {
              logger.error({ err: error }, "the worker runner stopped on an error");
              return "ended" as const;
            },
          ),
          aborted(signal),
        ]);
        if (ended === "aborted") {
          logger.info({}, "stopping: the jobs in flight finish first");
          await runner
            .stop()
            .catch((error: unknown) => logger.warn({ err: error }, "stopping the runner"));
          break;
        }
        logger.warn({}, "the worker runner stopped; starting it again");
      } catch (error) {
        logger.error(
          { err: error },
          "the worker runner could not start (is the database reachable?)",
        );
      }
      if (runner && currentPool) await releasePool(ctx, currentPool);
      delayMs = Date.now() - startedAt > HEALTHY_MS ? restart.minMs : delayMs;
      logger.info({ delayMs }, "restarting the worker runner");
      await sleep(delayMs, signal);
      delayMs = Math.min(delayMs * 2, restart.maxMs);
      await options
        .onRestart?.()
        .catch((error: unknown) =>
          logger.warn({ err: error }, "the database is not available yet"),
        );
    }
  } finally {
    await heartbeat.stop();
    await pool.end().catch(() => undefined);
  }
}

/** The jobs an old pool of this process still held: nobody runs them now. */
async function releasePool(ctx: WorkContext, poolId: string): Promise<void> {
  await sql`select ${sql.raw(WORKER_SCHEMA)}.force_unlock_workers(${[poolId]}::text[])`
    .execute(ctx.db)
    .catch((error: unknown) =>
      ctx.logger.warn({ err: error }, "could not release the old pool's jobs"),
    );
}

/** graphile-worker's log lines through ours. */
function workerLogger(logger: Logger): WorkerLogger {
  return new WorkerLogger((scope) => (level, message, meta) => {
    const fields = { worker: scope, ...meta };
    if (level === "error") logger.error(fields, message);
    else if (level === "warning") logger.warn(fields, message);
    else if (level === "info") logger.info(fields, message);
    else logger.debug(fields, message);
  });
}

function aborted(signal: AbortSignal): Promise<"aborted"> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve("aborted");
    signal.addEventListener("abort", () => resolve("aborted"), { once: true });
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
