import { sql, type Kysely } from "kysely";

// Many tenants in one warehouse, and runs spread over worker processes as jobs.
// Migrations never import app code.
//
// Graph's ids are global (a chat, message, membership or user id names one object in one
// tenant's directory, and a chat several tenants share is one chat), so the data tables
// keyed by them get no tenant column: only the bookkeeping of runs, the cursors, and the
// per-user viewpoint, where a tenant's rows must be told apart and filtered.

const TENANT =
  "The tenant (its name in --tenants-file; 'default' for the tenant of the environment) this row belongs to";

const TENANT_COLUMNS: Record<string, string> = {
  sync_runs: `${TENANT}: the run synced this tenant.`,
  sync_run_users: `${TENANT}: the tenant of its run.`,
  sync_failures: `${TENANT}: the tenant of its run.`,
  sync_rejects: `${TENANT}: the tenant of its run.`,
  sync_watermarks: `${TENANT}: the tenant of the run that first wrote it (a user belongs to one tenant).`,
  sync_message_cursors: `${TENANT}: the tenant of the run that first wrote it. A chat several tenants share (a federated chat) has one cursor: its history is read once.`,
  user_chats: `${TENANT}: the tenant of the viewing user (user_id).`,
};

/** Tables whose rows name their run: their tenant is their run's, set by a trigger. */
const FROM_RUN = [
  "sync_run_users",
  "sync_failures",
  "sync_rejects",
  "sync_watermarks",
  "sync_message_cursors",
  "sync_run_jobs",
];

const RUN_COLUMNS: Record<string, string> = {
  executor:
    "process: the run went through one process (sync, backfill, schedule); workers: it was split into jobs that worker processes ran (enqueue, schedule --workers).",
  jobs_total:
    "For a run of the workers: how many batch jobs it was split into (NULL while its users are being listed, and for a run of one process); a batch that spends its time budget adds one, for the users it hands over. The run finishes once every batch is done or given up (sync_run_jobs).",
};

const JOBS_TABLE =
  "Bookkeeping of runs split into jobs: one row per attempt of each batch job (a batch of a run's users), written in the attempt's last transaction. Counts add up over the attempts.";
const JOBS_COLUMNS: Record<string, string> = {
  run_id: "The run (sync_runs.run_id).",
  batch: "The batch's number within its run, from 0.",
  attempt: "The job's attempt number (graphile-worker's attempts: 1 for the first run of the job).",
  tenant: `${TENANT}: the tenant of its run.`,
  status:
    "done: the batch's users were synced (each succeeded or failed on its own); retrying: the attempt stopped on an error and the job will run again; failed: the last attempt stopped on an error and the batch is given up.",
  users:
    "Users of the batch this attempt went through (those an earlier attempt committed are skipped, those it handed to a new batch when its time budget was spent are not counted).",
  users_succeeded: "Users this attempt committed without a failure.",
  users_failed: "Users this attempt recorded as failed (sync_failures has why).",
  chats_seen: "Distinct chats the attempt's users listed.",
  requests: "Graph requests the attempt made.",
  throttled: "Graph's 429 answers the attempt received.",
  rows_written: "Rows the attempt inserted or changed.",
  rejects: "Items the attempt dead-lettered (sync_rejects).",
  error: "Why the attempt stopped (status retrying or failed); NULL when done.",
  job_id: "graphile-worker's job id.",
  worker_id: "graphile-worker's id of the worker that ran the attempt.",
  host: "Host of the worker process.",
  pid: "Operating-system pid of the worker process.",
  started_at: "When the attempt started.",
  finished_at: "When the attempt ended.",
};

const WORKERS_TABLE =
  "Worker processes (teams-chat-sync worker) and their heartbeats. A process whose heartbeat is older than its dead_after_seconds is dead: any live worker releases the jobs it held (graphile-worker would only after 4 hours) so that they run again.";
const WORKERS_COLUMNS: Record<string, string> = {
  process_id: "A random id the process chose at start.",
  host: "Host name of the process.",
  pid: "Operating-system pid of the process.",
  pool_ids:
    "graphile-worker's ids of the worker pools the process ran (jobs.locked_by): a new pool each time its runner restarts.",
  concurrency: "Jobs the process runs at once (--concurrency).",
  dead_after_seconds: "How long without a heartbeat makes the process dead.",
  started_at: "When the process started.",
  heartbeat_at: "When the process last said it is alive.",
};

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const [table, comment] of Object.entries(TENANT_COLUMNS)) {
    await sql`alter table ${sql.table(`teams.${table}`)}
      add column tenant text not null default 'default'`.execute(db);
    await sql`comment on column ${sql.ref(`teams.${table}.tenant`)} is ${sql.lit(comment)}`.execute(
      db,
    );
  }
  await sql`alter table teams.sync_runs
    add column executor text not null default 'process' check (executor in ('process', 'workers')),
    add column jobs_total integer`.execute(db);
  for (const [column, comment] of Object.entries(RUN_COLUMNS)) {
    await sql`comment on column ${sql.ref(`teams.sync_runs.${column}`)} is ${sql.lit(comment)}`.execute(
      db,
    );
  }
  await sql`create index sync_runs_tenant_run_id_idx on teams.sync_runs (tenant, run_id)`.execute(
    db,
  );
  // The reader roles of tenants (next migration) find a chat's tenants through user_chats.
  await sql`create index user_chats_tenant_chat_id_idx on teams.user_chats (tenant, chat_id)`.execute(
    db,
  );

  await db.schema
    .withSchema("teams")
    .createTable("sync_run_jobs")
    .addColumn("run_id", "bigint", (c) =>
      c.notNull().references("teams.sync_runs.run_id").onDelete("cascade"),
    )
    .addColumn("batch", "integer", (c) => c.notNull())
    .addColumn("attempt", "integer", (c) => c.notNull())
    .addColumn("tenant", "text", (c) => c.notNull().defaultTo("default"))
    .addColumn("status", "text", (c) =>
      c.notNull().check(sql`status in ('done', 'retrying', 'failed')`),
    )
    .addColumn("users", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("users_succeeded", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("users_failed", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("chats_seen", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("requests", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("throttled", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("rows_written", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("rejects", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("error", "text")
    .addColumn("job_id", "text")
    .addColumn("worker_id", "text")
    .addColumn("host", "text")
    .addColumn("pid", "integer")
    .addColumn("started_at", "timestamptz")
    .addColumn("finished_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("sync_run_jobs_pkey", ["run_id", "batch", "attempt"])
    .execute();
  await commentTable(db, "sync_run_jobs", JOBS_TABLE, JOBS_COLUMNS);

  await db.schema
    .withSchema("teams")
    .createTable("sync_workers")
    .addColumn("process_id", "uuid", (c) => c.primaryKey())
    .addColumn("host", "text", (c) => c.notNull())
    .addColumn("pid", "integer", (c) => c.notNull())
    .addColumn("pool_ids", sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn("concurrency", "integer", (c) => c.notNull())
    .addColumn("dead_after_seconds", "integer", (c) => c.notNull())
    .addColumn("started_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("heartbeat_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await commentTable(db, "sync_workers", WORKERS_TABLE, WORKERS_COLUMNS);

  // A row that names its run belongs to its run's tenant: one rule in the database, so
  // that no writer can label a row with another tenant (or forget to label it).
  await sql`
    create function teams.tenant_of_run() returns trigger language plpgsql as $$
    begin
      if new.run_id is not null then
        new.tenant := coalesce(
          (select r.tenant from teams.sync_runs r where r.run_id = new.run_id), new.tenant);
      end if;
      return new;
    end
    $$`.execute(db);
  await sql`comment on function teams.tenant_of_run() is ${sql.lit(
    "Trigger: a bookkeeping row that names its run takes its run's tenant.",
  )}`.execute(db);
  for (const table of FROM_RUN) {
    await sql`create trigger ${sql.raw(`${table}_tenant`)} before insert on ${sql.table(`teams.${table}`)}
      for each row execute function teams.tenant_of_run()`.execute(db);
  }

  await sql`
    do $$
    begin
      if exists (select from pg_roles where rolname = 'teams_reader') then
        grant select on teams.sync_run_jobs, teams.sync_workers to teams_reader;
      end if;
    end
    $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of FROM_RUN.filter((t) => t !== "sync_run_jobs")) {
    await sql`drop trigger if exists ${sql.raw(`${table}_tenant`)} on ${sql.table(`teams.${table}`)}`.execute(
      db,
    );
  }
  await db.schema.withSchema("teams").dropTable("sync_workers").ifExists().execute();
  await db.schema.withSchema("teams").dropTable("sync_run_jobs").ifExists().execute();
  await sql`drop function if exists teams.tenant_of_run()`.execute(db);
  await sql`drop index if exists teams.user_chats_tenant_chat_id_idx`.execute(db);
  await sql`drop index if exists teams.sync_runs_tenant_run_id_idx`.execute(db);
  await sql`alter table teams.sync_runs drop column executor, drop column jobs_total`.execute(db);
  for (const table of Object.keys(TENANT_COLUMNS)) {
    await sql`alter table ${sql.table(`teams.${table}`)} drop column tenant`.execute(db);
  }
}

async function commentTable(
  db: Kysely<unknown>,
  table: string,
  text: string,
  columns: Record<string, string>,
): Promise<void> {
  await sql`comment on table ${sql.table(`teams.${table}`)} is ${sql.lit(text)}`.execute(db);
  for (const [column, comment] of Object.entries(columns)) {
    await sql`comment on column ${sql.ref(`teams.${table}.${column}`)} is ${sql.lit(comment)}`.execute(
      db,
    );
  }
}
