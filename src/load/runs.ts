import { sql, type Kysely } from "kysely";
import { scrubErrorText } from "./scrub-error-text.ts";
import type { Database, RunExecutor, RunStatus, RunTrigger } from "./schema.ts";
import { toJsonParam } from "./json-param.ts";

export interface StartRunInput {
  readonly trigger: RunTrigger;
  readonly streams: readonly string[];
  /** The run's effective options, without secrets. */
  readonly options?: Readonly<Record<string, unknown>>;
  readonly pid?: number;
  readonly host?: string;
  readonly startedAt?: Date;
  /**
   * A random uuid chosen once per start: a start retried with the same key (after an
   * acknowledgement lost with the connection) returns the run it recorded.
   */
  readonly startKey?: string;
  /** The tenant the run syncs (default: the column's, `default`). */
  readonly tenant?: string;
  /** Who runs it: one process (default), or worker processes as jobs. */
  readonly executor?: RunExecutor;
}

export interface StartedRun {
  readonly runId: number;
  readonly startedAt: Date;
}

/** Records a new run as running and returns its id (the same id again for the same startKey). */
export async function startRun(db: Kysely<Database>, input: StartRunInput): Promise<StartedRun> {
  const row = await db
    .insertInto("teams.sync_runs")
    .values({
      trigger: input.trigger,
      streams: [...input.streams],
      options: toJsonParam(input.options ?? {}),
      pid: input.pid ?? null,
      host: input.host ?? null,
      start_key: input.startKey ?? null,
      ...(input.tenant ? { tenant: input.tenant } : {}),
      ...(input.executor ? { executor: input.executor } : {}),
      ...(input.startedAt ? { started_at: input.startedAt } : {}),
    })
    // A no-op update, so that RETURNING gives the row the first attempt inserted.
    .onConflict((oc) =>
      oc.column("start_key").doUpdateSet((eb) => ({ start_key: eb.ref("excluded.start_key") })),
    )
    .returning(["run_id", "started_at"])
    .executeTakeFirstOrThrow();
  return { runId: row.run_id, startedAt: row.started_at };
}

export interface RunCounts {
  readonly users_total: number;
  readonly users_succeeded: number;
  readonly users_failed: number;
  readonly chats_seen: number;
  readonly requests: number;
  readonly throttled: number;
  readonly rows_written: number;
  readonly rejects: number;
}

export interface FinishRunInput {
  readonly status: Exclude<RunStatus, "running">;
  readonly counts?: Partial<RunCounts>;
  readonly error?: string | null;
  readonly finishedAt?: Date;
}

/**
 * Records how a run ended. This commit waits for the WAL flush (the pool's other commits
 * do not, see connect.ts), and flushing it flushes every commit before it: once a run is
 * reported finished, all it loaded is on disk.
 */
export async function finishRun(
  db: Kysely<Database>,
  runId: number,
  input: FinishRunInput,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`set local synchronous_commit = on`.execute(trx);
    await trx
      .updateTable("teams.sync_runs")
      .set({
        ...input.counts,
        status: input.status,
        finished_at: input.finishedAt ?? sql<Date>`now()`,
        error: input.error == null ? null : scrubErrorText(input.error),
      })
      .where("run_id", "=", runId)
      .execute();
  });
}

export interface FailureInput {
  readonly runId: number;
  readonly userId?: string | null;
  readonly stream?: string | null;
  /** HTTP status from Graph, 0 for a network error, null for a non-HTTP failure. */
  readonly httpStatus?: number | null;
  /** What failed. Never include a token; stored redacted and bounded anyway. */
  readonly error: string;
  /** Graph error code or SQLSTATE. */
  readonly errorCode?: string | null;
  readonly requestId?: string | null;
  /**
   * When it failed (default: the server's now()). Given, the record is idempotent: a
   * failure with the same run, user, stream, error and `at` is recorded once, so a retry
   * after a lost acknowledgement adds no second row.
   */
  readonly at?: Date;
}

export async function recordFailure(db: Kysely<Database>, input: FailureInput): Promise<void> {
  const values = {
    run_id: input.runId,
    user_id: input.userId ?? null,
    stream: input.stream ?? null,
    http_status: input.httpStatus ?? null,
    error: scrubErrorText(input.error),
    error_code: input.errorCode ?? null,
    request_id: input.requestId ?? null,
  };
  if (!input.at) {
    await db.insertInto("teams.sync_failures").values(values).execute();
    return;
  }
  await sql`
    insert into teams.sync_failures
      (run_id, user_id, stream, http_status, error, error_code, request_id, at)
    select ${values.run_id}::bigint, ${values.user_id}::text, ${values.stream}::text,
           ${values.http_status}::integer, ${values.error}::text, ${values.error_code}::text,
           ${values.request_id}::text, ${input.at}::timestamptz
     where not exists (
       select 1 from teams.sync_failures f
        where f.run_id = ${values.run_id}::bigint and f.at = ${input.at}::timestamptz
          and f.user_id is not distinct from ${values.user_id}::text
          and f.stream is not distinct from ${values.stream}::text
          and f.error = ${values.error}::text)`.execute(db);
}
