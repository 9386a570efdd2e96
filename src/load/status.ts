import { sql, type Kysely } from "kysely";
import type { Database, RunStatus, RunTrigger } from "./schema.ts";

/** Queries behind the `status` command. Deciding whether a "running" run is alive
 * (its pid on its host) is the caller's business: these return rows as stored. */

export interface RunSummary {
  readonly run_id: number;
  readonly trigger: RunTrigger;
  readonly status: RunStatus;
  readonly started_at: Date;
  readonly finished_at: Date | null;
  /** Until finished_at, or until now while running. */
  readonly duration_seconds: number;
  readonly users_total: number;
  readonly users_succeeded: number;
  readonly users_failed: number;
  readonly chats_seen: number;
  readonly requests: number;
  readonly throttled: number;
  readonly rows_written: number;
  readonly rejects: number;
  readonly failures: number;
  readonly streams: string[];
  readonly error: string | null;
  readonly pid: number | null;
  readonly host: string | null;
}

function runSummaries(db: Kysely<Database>) {
  return db
    .selectFrom("teams.sync_runs as r")
    .select([
      "r.run_id",
      "r.trigger",
      "r.status",
      "r.started_at",
      "r.finished_at",
      sql<number>`extract(epoch from coalesce(r.finished_at, now()) - r.started_at)::float8`.as(
        "duration_seconds",
      ),
      "r.users_total",
      "r.users_succeeded",
      "r.users_failed",
      "r.chats_seen",
      "r.requests",
      "r.throttled",
      "r.rows_written",
      "r.rejects",
      sql<number>`(select count(*)::int from teams.sync_failures f where f.run_id = r.run_id)`.as(
        "failures",
      ),
      "r.streams",
      "r.error",
      "r.pid",
      "r.host",
    ]);
}

/** The last `limit` runs, newest first. */
export async function recentRuns(db: Kysely<Database>, limit = 10): Promise<RunSummary[]> {
  return runSummaries(db).orderBy("r.run_id", "desc").limit(limit).execute();
}

/** Runs recorded as running (alive, or crashed without finishing). */
export async function runsInProgress(db: Kysely<Database>): Promise<RunSummary[]> {
  return runSummaries(db).where("r.status", "=", "running").orderBy("r.run_id", "desc").execute();
}

export interface FailureSummary {
  readonly run_id: number;
  readonly user_id: string | null;
  readonly stream: string | null;
  readonly http_status: number | null;
  readonly error: string;
  readonly error_code: string | null;
  readonly request_id: string | null;
  readonly at: Date;
}

/** Failures of the newest run (of `runId` when given), in the order they happened. */
export async function runFailures(db: Kysely<Database>, runId?: number): Promise<FailureSummary[]> {
  return db
    .selectFrom("teams.sync_failures")
    .select([
      "run_id",
      "user_id",
      "stream",
      "http_status",
      "error",
      "error_code",
      "request_id",
      "at",
    ])
    .where("run_id", "=", runId ?? sql<number>`(select max(run_id) from teams.sync_runs)`)
    .orderBy("id")
    .execute();
}

export interface UserWatermarkStatus {
  readonly user_id: string;
  readonly stream: string;
  readonly watermark: Date | null;
  readonly watermark_raw: string | null;
  /** When the watermark last moved, and how long ago. */
  readonly updated_at: Date;
  readonly updated_age_seconds: number;
  /** When a run last committed this user (moved watermark or not), and how long ago. */
  readonly last_synced_at: Date | null;
  readonly last_synced_age_seconds: number | null;
}

/** Every user's watermark per stream, stalest sync first. */
export async function userWatermarks(db: Kysely<Database>): Promise<UserWatermarkStatus[]> {
  return db
    .selectFrom("teams.sync_watermarks as w")
    .leftJoin(
      (eb) =>
        eb
          .selectFrom("teams.sync_run_users")
          .select(["user_id", sql<Date>`max(finished_at)`.as("last_synced_at")])
          .where("status", "=", "succeeded")
          .groupBy("user_id")
          .as("s"),
      (join) => join.onRef("s.user_id", "=", "w.user_id"),
    )
    .select([
      "w.user_id",
      "w.stream",
      "w.watermark",
      "w.watermark_raw",
      "w.updated_at",
      sql<number>`extract(epoch from now() - w.updated_at)::float8`.as("updated_age_seconds"),
      sql<Date | null>`s.last_synced_at`.as("last_synced_at"),
      sql<number | null>`extract(epoch from now() - s.last_synced_at)::float8`.as(
        "last_synced_age_seconds",
      ),
    ])
    .orderBy(sql`s.last_synced_at`, (ob) => ob.asc().nullsFirst())
    .orderBy("w.user_id")
    .orderBy("w.stream")
    .execute();
}

export interface WarehouseStatus {
  readonly runs: RunSummary[];
  readonly inProgress: RunSummary[];
  readonly lastRunFailures: FailureSummary[];
  readonly watermarks: UserWatermarkStatus[];
}

export async function readStatus(
  db: Kysely<Database>,
  options: { readonly runs?: number } = {},
): Promise<WarehouseStatus> {
  return {
    runs: await recentRuns(db, options.runs ?? 10),
    inProgress: await runsInProgress(db),
    lastRunFailures: await runFailures(db),
    watermarks: await userWatermarks(db),
  };
}
