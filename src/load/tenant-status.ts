import { sql, type Kysely } from "kysely";
import type { Database } from "./schema.ts";

/**
 * Per tenant, what `status` shows of runs and of the job queue: the run in progress (with
 * its batches done and given up when it runs on the workers), the tenant's jobs waiting,
 * running and failed in graphile-worker (a failed job has spent its attempts and keeps
 * its last error), and the last finished run. Queries graphile-worker's public `jobs`
 * view, when its schema exists, by the tenant queues' names (`queuePrefix` + tenant).
 */

export interface TenantRun {
  readonly run_id: number;
  readonly executor: string;
  readonly trigger: string;
  readonly status: string;
  readonly started_at: Date;
  readonly finished_at: Date | null;
  readonly users_total: number;
  readonly users_succeeded: number;
  readonly users_failed: number;
  readonly error: string | null;
}

export interface TenantRunInProgress extends TenantRun {
  /** Batch jobs of a run of the workers (null while planning, and for a run of one process). */
  readonly jobs_total: number | null;
  readonly jobs_done: number;
  /** Batches given up (their job's attempts spent). */
  readonly jobs_failed: number;
}

export interface FailedJob {
  readonly id: string;
  readonly task: string;
  readonly attempts: number;
  readonly max_attempts: number;
  readonly last_error: string | null;
  readonly failed_at: Date;
}

export interface TenantStatus {
  readonly tenant: string;
  readonly in_progress: TenantRunInProgress | null;
  readonly jobs: {
    /** Waiting to run (a retry waiting for its time included). */
    readonly pending: number;
    /** Locked by a worker now. */
    readonly running: number;
    /** Attempts spent: graphile-worker will not run them again. */
    readonly failed: number;
    readonly failed_jobs: readonly FailedJob[];
  };
  readonly last_finished: TenantRun | null;
}

const RUN_COLUMNS = sql.raw(`r.run_id, r.executor, r.trigger, r.status, r.started_at,
  r.finished_at, r.users_total, r.users_succeeded, r.users_failed, r.error`);

export async function readTenantStatus(
  db: Kysely<Database>,
  queuePrefix: string,
  workerSchema: string,
): Promise<TenantStatus[]> {
  const jobs = await readQueueJobs(db, queuePrefix, workerSchema);
  const { rows: tenantRows } = await sql<{ tenant: string }>`
    select distinct tenant from teams.sync_runs`.execute(db);
  const tenants = new Set([...tenantRows.map((r) => r.tenant), ...jobs.keys()]);
  const statuses: TenantStatus[] = [];
  for (const tenant of [...tenants].sort()) {
    const { rows: running } = await sql<TenantRunInProgress>`
      select ${RUN_COLUMNS}, r.jobs_total,
             (select count(distinct j.batch)::int from teams.sync_run_jobs j
               where j.run_id = r.run_id and j.status = 'done') as jobs_done,
             (select count(distinct j.batch)::int from teams.sync_run_jobs j
               where j.run_id = r.run_id and j.status = 'failed') as jobs_failed
        from teams.sync_runs r
       where r.tenant = ${tenant} and r.status = 'running'
       order by r.run_id desc limit 1`.execute(db);
    const { rows: finished } = await sql<TenantRun>`
      select ${RUN_COLUMNS} from teams.sync_runs r
       where r.tenant = ${tenant} and r.status <> 'running'
       order by r.run_id desc limit 1`.execute(db);
    const queue = jobs.get(tenant) ?? [];
    const failed = queue.filter((j) => j.attempts >= j.max_attempts && j.locked_at === null);
    statuses.push({
      tenant,
      in_progress: running[0] ?? null,
      jobs: {
        pending: queue.filter((j) => j.attempts < j.max_attempts && j.locked_at === null).length,
        running: queue.filter((j) => j.locked_at !== null).length,
        failed: failed.length,
        failed_jobs: failed.map((j) => ({
          id: j.id,
          task: j.task_identifier,
          attempts: j.attempts,
          max_attempts: j.max_attempts,
          last_error: j.last_error,
          failed_at: j.updated_at,
        })),
      },
      last_finished: finished[0] ?? null,
    });
  }
  return statuses;
}

interface QueueJob {
  readonly queue_name: string;
  readonly id: string;
  readonly task_identifier: string;
  readonly attempts: number;
  readonly max_attempts: number;
  readonly last_error: string | null;
  readonly locked_at: Date | null;
  readonly updated_at: Date;
}

/** The tenants' jobs, by tenant (none while graphile-worker's schema does not exist). */
async function readQueueJobs(
  db: Kysely<Database>,
  queuePrefix: string,
  workerSchema: string,
): Promise<Map<string, QueueJob[]>> {
  const { rows: exists } = await sql<{ present: boolean }>`
    select to_regclass(${`${workerSchema}.jobs`}) is not null as present`.execute(db);
  const byTenant = new Map<string, QueueJob[]>();
  if (!exists[0]?.present) return byTenant;
  const { rows } = await sql<QueueJob>`
    select queue_name, id::text as id, task_identifier, attempts, max_attempts, last_error,
           locked_at, updated_at
      from ${sql.table(`${workerSchema}.jobs`)}
     where starts_with(queue_name, ${queuePrefix})
     order by id`.execute(db);
  for (const row of rows) {
    const tenant = row.queue_name.slice(queuePrefix.length);
    const list = byTenant.get(tenant) ?? [];
    list.push(row);
    byTenant.set(tenant, list);
  }
  return byTenant;
}
