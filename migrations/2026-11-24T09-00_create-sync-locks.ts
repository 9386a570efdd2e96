import { sql, type Kysely } from "kysely";

/**
 * The run lock as a row, so that it outlives the connection that took it. A session
 * advisory lock dies with its connection: after a server restart a second run could take
 * it while the first was still writing. The row keeps the holder's token through a
 * restart; the holder re-registers its new backend, and every write transaction of a run
 * checks the token first. Taking or changing the row needs UPDATE on it, which the
 * reader role (SELECT only) lacks, while anyone may take an advisory key.
 *
 * sync_runs.start_key makes starting a run idempotent: a start retried after its
 * acknowledgement was lost finds the run it recorded instead of recording a second one.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .withSchema("teams")
    .createTable("sync_locks")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("token", "uuid")
    .addColumn("holder_pid", "integer")
    .addColumn("holder_host", "text")
    .addColumn("backend_pid", "integer")
    .addColumn("backend_start", "timestamptz")
    .addColumn("acquired_at", "timestamptz")
    .addColumn("heartbeat_at", "timestamptz")
    .execute();
  await db.schema
    .withSchema("teams")
    .alterTable("sync_runs")
    .addColumn("start_key", "uuid")
    .execute();
  await sql`alter table teams.sync_runs add constraint sync_runs_start_key_key unique (start_key)`.execute(
    db,
  );

  const comments: Record<string, string> = {
    "": "Bookkeeping: the run lock, one row per lock name. A row with a token is held by the process it names; NULL token = free. Written only by sync runs (UPDATE privilege needed); analysts may read it to see who is running.",
    name: "The lock's name ('teams-chat-sync/run' for the run lock).",
    token:
      "Random id of the current holding, checked by every write transaction of the holder's run; NULL = free. A changed token means another run took over: the old holder stops before its next write.",
    holder_pid: "Operating-system pid of the holding process.",
    holder_host: "Host name of the holding process.",
    backend_pid:
      "Postgres backend pid of the holder's lock connection (pg_stat_activity.pid). The holder re-registers a new one after a lost connection or a server restart.",
    backend_start:
      "backend_start of that connection, so a reused pid is not mistaken for the holder's.",
    acquired_at: "When the holder took the lock.",
    heartbeat_at:
      "When the holder last confirmed it holds the lock. A holder whose connection is gone may be taken over once this (or the server's start, if later) is older than the takeover grace, or at once when its process is gone from the same host.",
  };
  for (const [column, text] of Object.entries(comments)) {
    const target = column
      ? sql`comment on column teams.sync_locks.${sql.ref(column)} is ${sql.lit(text)}`
      : sql`comment on table teams.sync_locks is ${sql.lit(text)}`;
    await target.execute(db);
  }
  await sql`comment on column teams.sync_runs.start_key is ${sql.lit(
    "Bookkeeping: a random key the starting process chose, so that a start retried after a lost acknowledgement finds its run instead of recording a second one. NULL for runs before it existed.",
  )}`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.withSchema("teams").alterTable("sync_runs").dropColumn("start_key").execute();
  await db.schema.withSchema("teams").dropTable("sync_locks").ifExists().execute();
}
