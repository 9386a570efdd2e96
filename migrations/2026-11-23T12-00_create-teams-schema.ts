import { sql, type Kysely } from "kysely";

// Migrations describe the schema as it was when they were written: they never import
// app code, and they see the database untyped (Kysely<unknown>).

const TABLES_NEWEST_FIRST = [
  "sync_run_users",
  "sync_rejects",
  "sync_failures",
  "sync_watermarks",
  "sync_runs",
  "chat_operations",
  "message_previews",
  "user_chats",
  "chat_members",
  "chats",
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createSchema("teams").ifNotExists().execute();
  const teams = db.schema.withSchema("teams");

  await teams
    .createTable("chats")
    .addColumn("chat_id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text")
    .addColumn("chat_type", "text")
    .addColumn("topic", "text")
    .addColumn("web_url", "text")
    .addColumn("created_at", "timestamptz")
    .addColumn("last_updated_at", "timestamptz")
    .addColumn("last_updated_raw", "text")
    .addColumn("is_hidden_for_all_members", "boolean")
    .addColumn("migration_mode", "text")
    .addColumn("original_created_at", "timestamptz")
    .addColumn("meeting_join_url", "text")
    .addColumn("meeting_calendar_event_id", "text")
    .addColumn("meeting_organizer_id", "text")
    .addColumn("last_message_id", "text")
    .addColumn("last_message_at", "timestamptz")
    .addColumn("raw", "jsonb", (c) => c.notNull())
    .addColumn("first_seen_at", "timestamptz", (c) => c.notNull())
    .addColumn("last_seen_at", "timestamptz", (c) => c.notNull())
    .addColumn("deleted_at", "timestamptz")
    .execute();

  await teams
    .createTable("chat_members")
    .addColumn("chat_id", "text", (c) => c.notNull())
    .addColumn("membership_id", "text", (c) => c.notNull())
    .addColumn("member_type", "text")
    .addColumn("user_id", "text")
    .addColumn("display_name", "text")
    .addColumn("email", "text")
    .addColumn("tenant_id", "text")
    .addColumn("roles", sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn("visible_history_start_at", "timestamptz")
    .addColumn("raw", "jsonb", (c) => c.notNull())
    .addColumn("first_seen_at", "timestamptz", (c) => c.notNull())
    .addColumn("last_seen_at", "timestamptz", (c) => c.notNull())
    .addColumn("removed_at", "timestamptz")
    .addPrimaryKeyConstraint("chat_members_pkey", ["chat_id", "membership_id"])
    .execute();

  await teams
    .createTable("user_chats")
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("chat_id", "text", (c) => c.notNull())
    .addColumn("is_hidden", "boolean")
    .addColumn("last_message_read_at", "timestamptz")
    .addColumn("first_seen_at", "timestamptz", (c) => c.notNull())
    .addColumn("last_seen_at", "timestamptz", (c) => c.notNull())
    .addColumn("removed_at", "timestamptz")
    .addPrimaryKeyConstraint("user_chats_pkey", ["user_id", "chat_id"])
    .execute();

  await teams
    .createTable("message_previews")
    .addColumn("chat_id", "text", (c) => c.notNull())
    .addColumn("message_id", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz")
    .addColumn("is_deleted", "boolean")
    .addColumn("message_type", "text")
    .addColumn("body_content_type", "text")
    .addColumn("body_content", "text")
    .addColumn("from_kind", "text")
    .addColumn("from_user_id", "text")
    .addColumn("from_application_id", "text")
    .addColumn("from_identity_type", "text")
    .addColumn("from_display_name", "text")
    .addColumn("event_detail_type", "text")
    .addColumn("event_detail", "jsonb")
    .addColumn("first_seen_at", "timestamptz", (c) => c.notNull())
    .addColumn("last_seen_at", "timestamptz", (c) => c.notNull())
    .addPrimaryKeyConstraint("message_previews_pkey", ["chat_id", "message_id"])
    .execute();

  await teams
    .createTable("chat_operations")
    .addColumn("operation_id", "text", (c) => c.primaryKey())
    .addColumn("chat_id", "text", (c) => c.notNull())
    .addColumn("operation_type", "text")
    .addColumn("status", "text")
    .addColumn("created_at", "timestamptz")
    .addColumn("last_action_at", "timestamptz")
    .addColumn("attempts_count", "integer")
    .addColumn("target_resource_id", "text")
    .addColumn("target_resource_location", "text")
    .addColumn("error_code", "text")
    .addColumn("error_message", "text")
    .addColumn("raw", "jsonb", (c) => c.notNull())
    .addColumn("first_seen_at", "timestamptz", (c) => c.notNull())
    .addColumn("last_seen_at", "timestamptz", (c) => c.notNull())
    .execute();

  // A bigint identity rather than a uuid: ids come from this one database only, they
  // sort in start order, and "run 42" is easy to say in `status` and in support mail.
  await teams
    .createTable("sync_runs")
    .addColumn("run_id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("started_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("finished_at", "timestamptz")
    .addColumn("trigger", "text", (c) =>
      c.notNull().check(sql`"trigger" in ('manual', 'cron', 'backfill')`),
    )
    .addColumn("status", "text", (c) =>
      c
        .notNull()
        .defaultTo("running")
        .check(sql`status in ('running', 'succeeded', 'partial', 'failed')`),
    )
    .addColumn("users_total", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("users_succeeded", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("users_failed", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("chats_seen", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("requests", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("throttled", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("rows_written", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("rejects", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("streams", sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn("options", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn("error", "text")
    .addColumn("pid", "integer")
    .addColumn("host", "text")
    .execute();

  await teams
    .createTable("sync_watermarks")
    .addColumn("stream", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("watermark", "timestamptz")
    .addColumn("watermark_raw", "text")
    .addColumn("run_id", "bigint", (c) =>
      c.references("teams.sync_runs.run_id").onDelete("set null"),
    )
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("sync_watermarks_pkey", ["stream", "user_id"])
    .execute();

  await teams
    .createTable("sync_failures")
    .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("run_id", "bigint", (c) =>
      c.notNull().references("teams.sync_runs.run_id").onDelete("cascade"),
    )
    .addColumn("user_id", "text")
    .addColumn("stream", "text")
    .addColumn("http_status", "integer")
    .addColumn("error", "text", (c) => c.notNull())
    .addColumn("error_code", "text")
    .addColumn("request_id", "text")
    .addColumn("at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await teams
    .createTable("sync_rejects")
    .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn("run_id", "bigint", (c) =>
      c.notNull().references("teams.sync_runs.run_id").onDelete("cascade"),
    )
    .addColumn("user_id", "text")
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("context", "text", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("raw", "jsonb")
    .addColumn("at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await teams
    .createTable("sync_run_users")
    .addColumn("run_id", "bigint", (c) =>
      c.notNull().references("teams.sync_runs.run_id").onDelete("cascade"),
    )
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) =>
      c.notNull().check(sql`status in ('running', 'succeeded', 'failed')`),
    )
    .addColumn("started_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("finished_at", "timestamptz")
    .addColumn("chats_seen", "integer")
    .addColumn("rows_written", "integer")
    .addColumn("error", "text")
    .addPrimaryKeyConstraint("sync_run_users_pkey", ["run_id", "user_id"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // The schema itself stays: the Migrator keeps its own bookkeeping tables in it.
  for (const table of TABLES_NEWEST_FIRST) {
    await db.schema.withSchema("teams").dropTable(table).ifExists().execute();
  }
}
