import { sql, type Kysely } from "kysely";
import type { Database, RunStatus, RunTrigger } from "./schema.ts";

/** Queries behind the `status` command. Deciding whether a "running" run is alive
 * (its pid on its host) is the caller's business: these return rows as stored. */

/** A row of sync_runs as `status` shows it (the run's own summary is sync's RunSummary). */
export interface RunRow {
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

function runRows(db: Kysely<Database>) {
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
export async function recentRuns(db: Kysely<Database>, limit = 10): Promise<RunRow[]> {
  return runRows(db).orderBy("r.run_id", "desc").limit(limit).execute();
}

/** Runs recorded as running (alive, or crashed without finishing). */
export async function runsInProgress(db: Kysely<Database>): Promise<RunRow[]> {
  return runRows(db).where("r.status", "=", "running").orderBy("r.run_id", "desc").execute();
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

/** Every user's watermark per stream (or of one stream, the `limit` first), stalest sync first. */
export async function userWatermarks(
  db: Kysely<Database>,
  options: { readonly stream?: string; readonly limit?: number } = {},
): Promise<UserWatermarkStatus[]> {
  let query = db
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
    .orderBy("w.stream");
  if (options.stream !== undefined) query = query.where("w.stream", "=", options.stream);
  if (options.limit !== undefined) query = query.limit(options.limit);
  return query.execute();
}

export interface WarehouseStatus {
  readonly summary: StatusSummary;
  readonly runs: RunRow[];
  readonly inProgress: RunRow[];
  readonly lastRunFailures: FailureSummary[];
  /** Every user whose newest finished attempt failed, longest failing first. */
  readonly failingUsers: FailingUser[];
  readonly watermarks: UserWatermarkStatus[];
}

/** Everything, for machines (`status --json`). */
export async function readStatus(
  db: Kysely<Database>,
  options: { readonly runs?: number } = {},
): Promise<WarehouseStatus> {
  const inProgress = await runsInProgress(db);
  return {
    summary: await statusSummary(db, inProgress),
    runs: await recentRuns(db, options.runs ?? 10),
    inProgress,
    lastRunFailures: await runFailures(db),
    failingUsers: await failingUsers(db),
    watermarks: await userWatermarks(db),
  };
}

export interface StatusOverview {
  readonly summary: StatusSummary;
  readonly runs: RunRow[];
  readonly inProgress: RunRow[];
  /** The `users` longest failing (all when `users` is not given). */
  readonly failingUsers: FailingUser[];
  /** The chats watermarks of the `users` users synced longest ago (all without `users`). */
  readonly stalestUsers: UserWatermarkStatus[];
}

/** What a person reads first, sized for a tenant of any size: counts, then the worst few. */
export async function readStatusOverview(
  db: Kysely<Database>,
  options: { readonly runs?: number; readonly users?: number } = {},
): Promise<StatusOverview> {
  const inProgress = await runsInProgress(db);
  const limit = options.users === undefined ? {} : { limit: options.users };
  return {
    summary: await statusSummary(db, inProgress),
    runs: await recentRuns(db, options.runs ?? 10),
    inProgress,
    failingUsers: await failingUsers(db, limit),
    stalestUsers: await userWatermarks(db, { stream: "chats", ...limit }),
  };
}

/**
 * Each user's newest finished attempt (a run that crashed leaves its users "running"; they
 * count by their attempt before), and the run of their newest success.
 */
const USER_ATTEMPTS = sql`
  latest as (
    select distinct on (user_id) user_id, run_id, status, finished_at, error
    from teams.sync_run_users
    where status <> 'running'
    order by user_id, run_id desc
  ),
  succeeded as (
    select user_id, max(run_id) as run_id, max(finished_at) as finished_at
    from teams.sync_run_users
    where status = 'succeeded'
    group by user_id
  )`;

export interface StatusSummary {
  /** Users with a finished attempt or a chats watermark. */
  readonly users_known: number;
  /** Users whose newest finished attempt committed (or who have a watermark and no attempt). */
  readonly users_synced: number;
  /** Users whose newest finished attempt failed. */
  readonly users_failing: number;
  /** Of the failing users, those never synced at all. */
  readonly users_never_synced: number;
  readonly users_with_watermark: number;
  /** The chats watermark of the user synced longest ago (never synced first). */
  readonly stalest: UserWatermarkStatus | null;
  /** How far the stalest user's last sync lies behind now; null if it never synced. */
  readonly lag_seconds: number | null;
  /** The newest run that is not running. */
  readonly last_run: RunRow | null;
  readonly in_progress_run_ids: number[];
}

async function statusSummary(
  db: Kysely<Database>,
  inProgress: readonly RunRow[],
): Promise<StatusSummary> {
  const { rows } = await sql<{
    users_known: number;
    users_synced: number;
    users_failing: number;
    users_never_synced: number;
    users_with_watermark: number;
  }>`
    with ${USER_ATTEMPTS},
    marked as (select distinct user_id from teams.sync_watermarks where stream = 'chats'),
    users as (select user_id from latest union select user_id from marked)
    select
      count(*)::int as users_known,
      (count(*) filter (where l.status is distinct from 'failed'))::int as users_synced,
      (count(*) filter (where l.status = 'failed'))::int as users_failing,
      (count(*) filter (where l.status = 'failed' and s.user_id is null and m.user_id is null))::int
        as users_never_synced,
      count(m.user_id)::int as users_with_watermark
    from users u
    left join latest l on l.user_id = u.user_id
    left join succeeded s on s.user_id = u.user_id
    left join marked m on m.user_id = u.user_id`.execute(db);
  const counts = rows[0] ?? {
    users_known: 0,
    users_synced: 0,
    users_failing: 0,
    users_never_synced: 0,
    users_with_watermark: 0,
  };
  const [stalest] = await userWatermarks(db, { stream: "chats", limit: 1 });
  const [lastRun] = await runRows(db)
    .where("r.status", "<>", "running")
    .orderBy("r.run_id", "desc")
    .limit(1)
    .execute();
  return {
    ...counts,
    stalest: stalest ?? null,
    lag_seconds: stalest?.last_synced_age_seconds ?? null,
    last_run: lastRun ?? null,
    in_progress_run_ids: inProgress.map((run) => run.run_id),
  };
}

export interface FailingUser {
  readonly user_id: string;
  /** The run of the newest failed attempt, when it ended, and its error. */
  readonly last_run_id: number;
  readonly last_failed_at: Date | null;
  readonly last_error: string | null;
  /** Stream and HTTP status of that run's last recorded failure for the user, if any. */
  readonly stream: string | null;
  readonly http_status: number | null;
  /** The first failed attempt since the last success, how long ago, and how many since. */
  readonly failing_since: Date | null;
  readonly failing_seconds: number | null;
  readonly failed_runs: number;
  /** The last success; null if the user never synced. */
  readonly last_synced_at: Date | null;
}

/** Users whose newest finished attempt failed, longest failing first (the `limit` first). */
export async function failingUsers(
  db: Kysely<Database>,
  options: { readonly limit?: number } = {},
): Promise<FailingUser[]> {
  const limit = options.limit === undefined ? sql`all` : sql`${options.limit}`;
  const { rows } = await sql<FailingUser>`
    with ${USER_ATTEMPTS}
    select
      l.user_id,
      l.run_id::int as last_run_id,
      l.finished_at as last_failed_at,
      l.error as last_error,
      f.stream,
      f.http_status,
      streak.failing_since,
      extract(epoch from now() - streak.failing_since)::float8 as failing_seconds,
      streak.failed_runs,
      s.finished_at as last_synced_at
    from latest l
    left join succeeded s on s.user_id = l.user_id
    left join lateral (
      select min(a.finished_at) as failing_since, count(*)::int as failed_runs
      from teams.sync_run_users a
      where a.user_id = l.user_id and a.status = 'failed' and a.run_id > coalesce(s.run_id, 0)
    ) streak on true
    left join lateral (
      select sf.stream, sf.http_status
      from teams.sync_failures sf
      where sf.run_id = l.run_id and sf.user_id = l.user_id
      order by sf.id desc
      limit 1
    ) f on true
    where l.status = 'failed'
    order by streak.failing_since nulls first, l.user_id
    limit ${limit}`.execute(db);
  return rows;
}
