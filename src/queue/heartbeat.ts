import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { sql, type Kysely } from "kysely";
import type { Database } from "../load/index.ts";
import type { Logger } from "../log.ts";
import { WORKER_SCHEMA } from "./add-job.ts";

export interface HeartbeatOptions {
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  readonly concurrency: number;
  /** A process silent this long is dead, and the jobs it held are released. */
  readonly deadAfterMs: number;
}

/**
 * The worker process's row in teams.sync_workers, beaten every quarter of `deadAfterMs`,
 * naming the worker pools it ran (graphile-worker locks a job under its pool's id). At
 * each beat, the jobs locked for longer than `deadAfterMs` by a pool that no live process
 * names are released (graphile-worker's forceUnlockWorkers), so that another worker runs
 * them again now rather than after graphile-worker's 4-hour lock. A pool that locked a
 * job before its process named it is spared by the same wait: its job is younger than
 * `deadAfterMs`.
 */
export class Heartbeat {
  readonly processId = randomUUID();
  readonly #options: HeartbeatOptions;
  readonly #pools: string[] = [];
  #timer: NodeJS.Timeout | undefined;
  #beating: Promise<void> | null = null;

  constructor(options: HeartbeatOptions) {
    this.#options = options;
  }

  /** A pool this process started (graphile-worker's `pool:create`). */
  addPool(poolId: string): void {
    if (!this.#pools.includes(poolId)) this.#pools.push(poolId);
    void this.beat();
  }

  start(): void {
    const every = Math.max(250, Math.floor(this.#options.deadAfterMs / 4));
    this.#timer = setInterval(() => void this.beat(), every);
    this.#timer.unref();
  }

  /** One beat and sweep; failures are logged (the database may be away: the next beat tries again). */
  beat(): Promise<void> {
    this.#beating ??= this.#beat().finally(() => {
      this.#beating = null;
    });
    return this.#beating;
  }

  /** Stops beating and removes the row: the process ends cleanly, its jobs released by graphile-worker. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#beating;
    await this.#options.db
      .deleteFrom("teams.sync_workers")
      .where("process_id", "=", this.processId)
      .execute()
      .catch(() => undefined);
  }

  async #beat(): Promise<void> {
    const { db, logger, deadAfterMs, concurrency } = this.#options;
    try {
      await db
        .insertInto("teams.sync_workers")
        .values({
          process_id: this.processId,
          host: hostname(),
          pid: process.pid,
          pool_ids: [...this.#pools],
          concurrency,
          dead_after_seconds: Math.ceil(deadAfterMs / 1000),
        })
        .onConflict((oc) =>
          oc.column("process_id").doUpdateSet({
            pool_ids: (eb) => eb.ref("excluded.pool_ids"),
            heartbeat_at: sql<Date>`now()`,
          }),
        )
        .execute();
      const released = await releaseDeadPools(db, deadAfterMs);
      if (released.length > 0) {
        logger.warn(
          { pools: released },
          `released the jobs of ${released.length} dead worker pool(s): they run again on a live worker`,
        );
      }
    } catch (error) {
      logger.warn({ err: error }, "worker heartbeat failed; trying again at the next beat");
    }
  }
}

/**
 * Releases the jobs (and their queues) locked for longer than `deadAfterMs` by pools no
 * live process names; returns those pools. Processes silent for ten times their limit are
 * forgotten.
 */
export async function releaseDeadPools(
  db: Kysely<Database>,
  deadAfterMs: number,
): Promise<string[]> {
  const { rows } = await sql<{ locked_by: string }>`
    select distinct j.locked_by
      from ${sql.raw(WORKER_SCHEMA)}.jobs j
     where j.locked_by is not null
       and j.locked_at < now() - make_interval(secs => ${deadAfterMs / 1000}::float8)
       and not exists (
         select 1 from teams.sync_workers w
          where j.locked_by = any(w.pool_ids)
            and w.heartbeat_at >= now() - make_interval(secs => w.dead_after_seconds))`.execute(db);
  const dead = rows.map((r) => r.locked_by);
  if (dead.length > 0) {
    await sql`select ${sql.raw(WORKER_SCHEMA)}.force_unlock_workers(${dead}::text[])`.execute(db);
  }
  await sql`delete from teams.sync_workers
             where heartbeat_at < now() - make_interval(secs => dead_after_seconds * 10)`.execute(
    db,
  );
  return dead;
}
