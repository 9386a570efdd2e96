import { sql, type Kysely } from "kysely";
import type { Database } from "./schema.ts";
import { succeededUsers } from "./run-users.ts";

export interface ResumableRun {
  readonly runId: number;
  readonly startedAt: Date;
  readonly status: string;
  /** Users the run already committed: the resumed run skips them. */
  readonly done: Set<string>;
}

/**
 * The newest backfill when it did not complete (crashed while running, stopped, or with
 * failed users), so `backfill --resume` can go on with the users not yet done. A backfill
 * that succeeded leaves nothing to resume.
 */
export async function findResumableBackfill(db: Kysely<Database>): Promise<ResumableRun | null> {
  const run = await db
    .selectFrom("teams.sync_runs")
    .select(["run_id", "started_at", "status"])
    .where("trigger", "=", "backfill")
    .orderBy("run_id", "desc")
    .limit(1)
    .executeTakeFirst();
  if (!run || run.status === "succeeded") return null;
  return {
    runId: run.run_id,
    startedAt: run.started_at,
    status: run.status,
    done: await succeededUsers(db, run.run_id),
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
