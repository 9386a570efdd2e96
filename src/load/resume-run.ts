import { sql, type Kysely } from "kysely";
import type { Database } from "./schema.ts";
import { succeededUsers } from "./run-users.ts";
import { DEFAULT_TENANT } from "./tenants.ts";

export interface ResumableRun {
  readonly runId: number;
  readonly startedAt: Date;
  readonly status: string;
  /** Users the run already committed: the resumed run skips them. */
  readonly done: Set<string>;
  /** Counts its earlier attempts recorded. */
  readonly counts: {
    readonly usersTotal: number;
    readonly usersSucceeded: number;
    readonly usersFailed: number;
    readonly chatsSeen: number;
    readonly requests: number;
    readonly throttled: number;
    readonly rowsWritten: number;
    readonly rejects: number;
  };
}

/**
 * The newest backfill when it did not complete (crashed while running, stopped, or with
 * failed users), so `backfill --resume` can go on with the users not yet done. A backfill
 * that succeeded leaves nothing to resume.
 */
export async function findResumableBackfill(
  db: Kysely<Database>,
  tenant: string = DEFAULT_TENANT,
): Promise<ResumableRun | null> {
  const run = await db
    .selectFrom("teams.sync_runs")
    .select([
      "run_id",
      "started_at",
      "status",
      "users_total",
      "users_succeeded",
      "users_failed",
      "chats_seen",
      "requests",
      "throttled",
      "rows_written",
      "rejects",
    ])
    .where("trigger", "=", "backfill")
    .where("tenant", "=", tenant)
    .where("executor", "=", "process")
    .orderBy("run_id", "desc")
    .limit(1)
    .executeTakeFirst();
  if (!run || run.status === "succeeded") return null;
  return {
    runId: run.run_id,
    startedAt: run.started_at,
    status: run.status,
    done: await succeededUsers(db, run.run_id),
    counts: {
      usersTotal: run.users_total,
      usersSucceeded: run.users_succeeded,
      usersFailed: run.users_failed,
      chatsSeen: run.chats_seen,
      requests: run.requests,
      throttled: run.throttled,
      rowsWritten: run.rows_written,
      rejects: run.rejects,
    },
  };
}

/** Marks a run as running again (it is continued under the same run id). */
export async function reopenRun(db: Kysely<Database>, runId: number): Promise<void> {
  await db
    .updateTable("teams.sync_runs")
    .set({ status: "running", finished_at: null, error: null, pid: process.pid })
    .where("run_id", "=", runId)
    .execute();
  // Failures of the earlier attempt stay (history); per-user rows of failed users are retried.
  await sql`delete from teams.sync_run_users where run_id = ${runId} and status <> 'succeeded'`.execute(
    db,
  );
}

/**
 * Runs still marked running when a new run holds the run lock ended without finishing
 * (killed, crashed, machine lost): they are closed as failed so `status` stops showing
 * them in progress. Only call this while holding the tenant's run lock: the runs of that
 * tenant are closed. A run of the workers is not: it lives on in its jobs, between which
 * nobody holds the lock.
 */
export async function closeAbandonedRuns(
  db: Kysely<Database>,
  tenant: string = DEFAULT_TENANT,
): Promise<number> {
  const result = await db
    .updateTable("teams.sync_runs")
    .set({
      status: "failed",
      finished_at: sql<Date>`now()`,
      error: "abandoned: the process ended before the run finished (killed or crashed)",
    })
    .where("status", "=", "running")
    .where("tenant", "=", tenant)
    .where("executor", "=", "process")
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
