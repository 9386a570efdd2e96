import { sql, type Kysely } from "kysely";
import { scrubErrorText } from "./scrub-error-text.ts";
import type { Database, RunJobStatus } from "./schema.ts";

/**
 * The bookkeeping of a run split into jobs (src/queue): the plan's size on the run's row,
 * one row of teams.sync_run_jobs per attempt of each batch job. A batch is final once
 * one of its attempts is `done` or `failed`; the run finishes when every batch is.
 */

/** A run of the workers still running for the tenant (the newest), if any. */
export async function runningWorkersRun(
  db: Kysely<Database>,
  tenant: string,
): Promise<{ readonly runId: number; readonly jobsTotal: number | null } | null> {
  const row = await db
    .selectFrom("teams.sync_runs")
    .select(["run_id", "jobs_total"])
    .where("tenant", "=", tenant)
    .where("executor", "=", "workers")
    .where("status", "=", "running")
    .orderBy("run_id", "desc")
    .limit(1)
    .executeTakeFirst();
  return row ? { runId: row.run_id, jobsTotal: row.jobs_total } : null;
}

/** Records the plan: how many batch jobs and users the run has (once: false if planned before). */
export async function planRun(
  db: Kysely<Database>,
  runId: number,
  plan: { readonly jobsTotal: number; readonly usersTotal: number },
): Promise<boolean> {
  const result = await db
    .updateTable("teams.sync_runs")
    .set({ jobs_total: plan.jobsTotal, users_total: plan.usersTotal })
    .where("run_id", "=", runId)
    .where("jobs_total", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Adds a batch to a planned run (a batch that spent its time budget hands its remaining
 * users to it); returns the new batch's number. In the transaction that queues its job,
 * so that the run cannot finish before the new batch is final.
 */
export async function addRunBatch(db: Kysely<Database>, runId: number): Promise<number> {
  const { rows } = await sql<{ batch: number }>`
    update teams.sync_runs set jobs_total = jobs_total + 1
     where run_id = ${runId} and jobs_total is not null
    returning jobs_total - 1 as batch`.execute(db);
  const batch = rows[0]?.batch;
  if (batch === undefined) throw new Error(`run ${runId} is not a planned run of the workers`);
  return batch;
}

/** Those of `userIds` the run has no outcome for yet (neither succeeded nor failed). */
export async function usersWithoutOutcome(
  db: Kysely<Database>,
  runId: number,
  userIds: readonly string[],
): Promise<string[]> {
  if (userIds.length === 0) return [];
  const { rows } = await sql<{ user_id: string }>`
    select u.user_id from unnest(${userIds}::text[]) with ordinality as u(user_id, n)
     where not exists (select 1 from teams.sync_run_users r
                        where r.run_id = ${runId} and r.user_id = u.user_id
                          and r.status in ('succeeded', 'failed'))
       and not exists (select 1 from teams.sync_failures f
                        where f.run_id = ${runId} and f.user_id = u.user_id)
     order by u.n`.execute(db);
  return rows.map((r) => r.user_id);
}

export interface BatchAttempt {
  readonly runId: number;
  readonly batch: number;
  readonly attempt: number;
  readonly status: RunJobStatus;
  readonly users: number;
  readonly usersSucceeded: number;
  readonly usersFailed: number;
  readonly chatsSeen: number;
  readonly requests: number;
  readonly throttled: number;
  readonly rowsWritten: number;
  readonly rejects: number;
  readonly error: string | null;
  readonly jobId: string | null;
  readonly workerId: string | null;
  readonly host: string | null;
  readonly pid: number | null;
  readonly startedAt: Date | null;
}

/**
 * Records an attempt's outcome; once per attempt (a retry after a lost commit adds
 * nothing). Returns whether this call recorded it.
 */
export async function recordBatchAttempt(
  db: Kysely<Database>,
  attempt: BatchAttempt,
): Promise<boolean> {
  const result = await db
    .insertInto("teams.sync_run_jobs")
    .values({
      run_id: attempt.runId,
      batch: attempt.batch,
      attempt: attempt.attempt,
      status: attempt.status,
      users: attempt.users,
      users_succeeded: attempt.usersSucceeded,
      users_failed: attempt.usersFailed,
      chats_seen: attempt.chatsSeen,
      requests: attempt.requests,
      throttled: attempt.throttled,
      rows_written: attempt.rowsWritten,
      rejects: attempt.rejects,
      error: attempt.error === null ? null : scrubErrorText(attempt.error),
      job_id: attempt.jobId,
      worker_id: attempt.workerId,
      host: attempt.host,
      pid: attempt.pid,
      started_at: attempt.startedAt,
    })
    .onConflict((oc) => oc.columns(["run_id", "batch", "attempt"]).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}

/** Whether a batch is final already (done or given up), and how. */
export async function finalBatchStatus(
  db: Kysely<Database>,
  runId: number,
  batch: number,
): Promise<"done" | "failed" | null> {
  const row = await db
    .selectFrom("teams.sync_run_jobs")
    .select("status")
    .where("run_id", "=", runId)
    .where("batch", "=", batch)
    .where("status", "in", ["done", "failed"])
    .orderBy("attempt", "desc")
    .limit(1)
    .executeTakeFirst();
  return row ? (row.status as "done" | "failed") : null;
}

export interface RunProgress {
  readonly status: string;
  readonly jobsTotal: number | null;
  /** Batches final: done, and given up. */
  readonly done: number;
  readonly failed: number;
}

/**
 * The run's progress, its row locked (FOR UPDATE) when `lock`: the attempts that may
 * complete a run each take that lock in their last transaction, so exactly one of them
 * sees the last batch final and queues the finish.
 */
export async function runProgress(
  db: Kysely<Database>,
  runId: number,
  options: { readonly lock: boolean } = { lock: false },
): Promise<RunProgress | null> {
  const run = await db
    .selectFrom("teams.sync_runs")
    .select(["status", "jobs_total"])
    .where("run_id", "=", runId)
    .$if(options.lock, (q) => q.forUpdate())
    .executeTakeFirst();
  if (!run) return null;
  const { rows } = await sql<{ done: number; failed: number }>`
    select count(*) filter (where status = 'done')::int as done,
           count(*) filter (where status = 'failed')::int as failed
      from (select distinct on (batch) batch, status from teams.sync_run_jobs
             where run_id = ${runId} and status in ('done', 'failed')
             order by batch, attempt desc) final`.execute(db);
  return {
    status: run.status,
    jobsTotal: run.jobs_total,
    done: rows[0]?.done ?? 0,
    failed: rows[0]?.failed ?? 0,
  };
}

export interface RunTotals {
  readonly usersTotal: number;
  readonly usersSucceeded: number;
  readonly usersFailed: number;
  readonly chatsSeen: number;
  readonly requests: number;
  readonly throttled: number;
  readonly rowsWritten: number;
  readonly rejects: number;
  /** Errors of the batches given up, one line each. */
  readonly failedBatches: readonly string[];
}

/**
 * What a run of the workers did, over all its jobs' attempts: users as the run's user
 * rows and failures say (a user is counted once however many attempts it took), Graph
 * and write counts summed over the attempts, chats as the distinct chats its users list,
 * rejects as the rows dead-lettered under it.
 */
export async function runTotals(db: Kysely<Database>, runId: number): Promise<RunTotals> {
  const { rows } = await sql<Omit<RunTotals, "failedBatches">>`
    with failed as (
      select distinct coalesce(user_id, '') as user_id from teams.sync_failures
       where run_id = ${runId}
    ), succeeded as (
      select user_id from teams.sync_run_users
       where run_id = ${runId} and status = 'succeeded'
         and user_id not in (select user_id from failed)
    )
    select r.users_total as "usersTotal",
           (select count(*)::int from succeeded) as "usersSucceeded",
           (select count(*)::int from failed) as "usersFailed",
           (select count(distinct uc.chat_id)::int from teams.user_chats uc
             where uc.removed_at is null and uc.user_id in (select user_id from succeeded))
             as "chatsSeen",
           coalesce(sum(j.requests), 0)::int as requests,
           coalesce(sum(j.throttled), 0)::int as throttled,
           coalesce(sum(j.rows_written), 0)::int as "rowsWritten",
           (select count(*)::int from teams.sync_rejects x where x.run_id = r.run_id) as rejects
      from teams.sync_runs r
      left join teams.sync_run_jobs j on j.run_id = r.run_id
     where r.run_id = ${runId}
     group by r.run_id`.execute(db);
  const failedBatches = await db
    .selectFrom("teams.sync_run_jobs")
    .select(["batch", "error"])
    .where("run_id", "=", runId)
    .where("status", "=", "failed")
    .orderBy("batch")
    .execute();
  const totals = rows[0];
  if (!totals) throw new Error(`run ${runId} not found`);
  return {
    ...totals,
    failedBatches: failedBatches.map((b) => `batch ${b.batch}: ${b.error ?? "failed"}`),
  };
}
