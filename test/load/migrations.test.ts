import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { migrateToLatest, pendingMigrations } from "../../src/load/migrate.ts";
import { useWarehouse } from "./warehouse.ts";

const warehouse = useWarehouse();

/** The contract's warehouse schema (docs/design.md), column by column, as udt names. */
const DESIGN: Record<string, { key: string[]; columns: Record<string, string> }> = {
  chats: {
    key: ["chat_id"],
    columns: {
      chat_id: "text",
      tenant_id: "text",
      chat_type: "text",
      topic: "text",
      web_url: "text",
      created_at: "timestamptz",
      last_updated_at: "timestamptz",
      is_hidden_for_all_members: "bool",
      meeting_join_url: "text",
      meeting_organizer_id: "text",
      last_message_id: "text",
      last_message_at: "timestamptz",
      raw: "jsonb",
      first_seen_at: "timestamptz",
      last_seen_at: "timestamptz",
      deleted_at: "timestamptz",
    },
  },
  chat_members: {
    key: ["chat_id", "membership_id"],
    columns: {
      chat_id: "text",
      membership_id: "text",
      member_type: "text",
      user_id: "text",
      display_name: "text",
      email: "text",
      tenant_id: "text",
      roles: "_text",
      visible_history_start_at: "timestamptz",
      first_seen_at: "timestamptz",
      last_seen_at: "timestamptz",
      removed_at: "timestamptz",
    },
  },
  user_chats: {
    key: ["user_id", "chat_id"],
    columns: {
      user_id: "text",
      chat_id: "text",
      is_hidden: "bool",
      last_message_read_at: "timestamptz",
      first_seen_at: "timestamptz",
      last_seen_at: "timestamptz",
      removed_at: "timestamptz",
    },
  },
  message_previews: {
    key: ["chat_id", "message_id"],
    columns: {
      chat_id: "text",
      message_id: "text",
      created_at: "timestamptz",
      is_deleted: "bool",
      message_type: "text",
      body_content_type: "text",
      body_content: "text",
      from_user_id: "text",
      from_application_id: "text",
      from_display_name: "text",
      event_detail_type: "text",
      event_detail: "jsonb",
      first_seen_at: "timestamptz",
    },
  },
  chat_operations: {
    key: ["operation_id"],
    columns: {
      operation_id: "text",
      chat_id: "text",
      operation_type: "text",
      status: "text",
      created_at: "timestamptz",
      last_action_at: "timestamptz",
      attempts_count: "int4",
      target_resource_id: "text",
      target_resource_location: "text",
      error_code: "text",
      error_message: "text",
      first_seen_at: "timestamptz",
      last_seen_at: "timestamptz",
    },
  },
  sync_runs: {
    key: ["run_id"],
    columns: {
      run_id: "int8",
      started_at: "timestamptz",
      finished_at: "timestamptz",
      trigger: "text",
      status: "text",
      error: "text",
    },
  },
  sync_watermarks: {
    key: ["stream", "user_id"],
    columns: {
      stream: "text",
      user_id: "text",
      watermark: "timestamptz",
      watermark_raw: "text",
      run_id: "int8",
      updated_at: "timestamptz",
    },
  },
  sync_failures: {
    key: ["id"],
    columns: {
      id: "int8",
      run_id: "int8",
      user_id: "text",
      stream: "text",
      http_status: "int4",
      error: "text",
      at: "timestamptz",
    },
  },
  chat_messages: {
    key: ["chat_id", "message_id"],
    columns: {
      chat_id: "text",
      message_id: "text",
      message_type: "text",
      created_at: "timestamptz",
      last_modified_at: "timestamptz",
      last_modified_raw: "text",
      last_edited_at: "timestamptz",
      deleted_at: "timestamptz",
      subject: "text",
      importance: "text",
      etag: "text",
      web_url: "text",
      from_kind: "text",
      from_user_id: "text",
      from_application_id: "text",
      from_display_name: "text",
      from_identity_type: "text",
      body_content_type: "text",
      body_content: "text",
      body_text: "text",
      event_detail_type: "text",
      event_detail: "jsonb",
      policy_violation: "jsonb",
      raw: "jsonb",
      first_seen_at: "timestamptz",
      last_seen_at: "timestamptz",
    },
  },
  chat_message_mentions: {
    key: ["chat_id", "message_id", "mention_id"],
    columns: {
      chat_id: "text",
      message_id: "text",
      mention_id: "int4",
      mention_text: "text",
      mentioned_kind: "text",
      mentioned_id: "text",
      mentioned_display_name: "text",
    },
  },
  chat_message_reactions: {
    key: ["chat_id", "message_id", "user_id", "reaction_type"],
    columns: {
      chat_id: "text",
      message_id: "text",
      user_id: "text",
      reaction_type: "text",
      display_name: "text",
      created_at: "timestamptz",
      reaction_content_url: "text",
    },
  },
  chat_message_attachments: {
    key: ["chat_id", "message_id", "attachment_id"],
    columns: {
      chat_id: "text",
      message_id: "text",
      attachment_id: "text",
      content_type: "text",
      content_url: "text",
      name: "text",
      thumbnail_url: "text",
      teams_app_id: "text",
      content: "text",
    },
  },
};

/** What this project adds to the contract (adding is allowed, renaming is not). */
const ADDED: Record<string, Record<string, string>> = {
  chats: {
    last_updated_raw: "text",
    migration_mode: "text",
    original_created_at: "timestamptz",
    meeting_calendar_event_id: "text",
    members_synced_raw: "text",
    operations_synced_raw: "text",
  },
  chat_members: { raw: "jsonb" },
  user_chats: { tenant: "text" },
  message_previews: { from_kind: "text", from_identity_type: "text", last_seen_at: "timestamptz" },
  chat_operations: { raw: "jsonb" },
  sync_runs: {
    users_total: "int4",
    users_succeeded: "int4",
    users_failed: "int4",
    chats_seen: "int4",
    requests: "int4",
    throttled: "int4",
    rows_written: "int4",
    rejects: "int4",
    streams: "_text",
    options: "jsonb",
    pid: "int4",
    host: "text",
    start_key: "uuid",
    tenant: "text",
    executor: "text",
    jobs_total: "int4",
  },
  sync_watermarks: { tenant: "text" },
  sync_failures: { error_code: "text", request_id: "text", tenant: "text" },
  chat_messages: {},
  chat_message_mentions: {},
  chat_message_reactions: {},
  chat_message_attachments: {},
};

const NEW_TABLES: Record<string, { key: string[]; columns: Record<string, string> }> = {
  sync_rejects: {
    key: ["id"],
    columns: {
      id: "int8",
      run_id: "int8",
      user_id: "text",
      kind: "text",
      context: "text",
      reason: "text",
      raw: "jsonb",
      at: "timestamptz",
      tenant: "text",
    },
  },
  sync_run_users: {
    key: ["run_id", "user_id"],
    columns: {
      run_id: "int8",
      user_id: "text",
      status: "text",
      started_at: "timestamptz",
      finished_at: "timestamptz",
      chats_seen: "int4",
      rows_written: "int4",
      error: "text",
      tenant: "text",
    },
  },
  sync_message_cursors: {
    key: ["scope", "id"],
    columns: {
      scope: "text",
      id: "text",
      last_modified_raw: "text",
      delta_link: "text",
      read_at: "timestamptz",
      run_id: "int8",
      updated_at: "timestamptz",
      tenant: "text",
    },
  },
  sync_run_jobs: {
    key: ["run_id", "batch", "attempt"],
    columns: {
      run_id: "int8",
      batch: "int4",
      attempt: "int4",
      tenant: "text",
      status: "text",
      users: "int4",
      users_succeeded: "int4",
      users_failed: "int4",
      chats_seen: "int4",
      requests: "int4",
      throttled: "int4",
      rows_written: "int4",
      rejects: "int4",
      error: "text",
      job_id: "text",
      worker_id: "text",
      host: "text",
      pid: "int4",
      started_at: "timestamptz",
      finished_at: "timestamptz",
    },
  },
  sync_workers: {
    key: ["process_id"],
    columns: {
      process_id: "uuid",
      host: "text",
      pid: "int4",
      pool_ids: "_text",
      concurrency: "int4",
      dead_after_seconds: "int4",
      started_at: "timestamptz",
      heartbeat_at: "timestamptz",
    },
  },
  sync_locks: {
    key: ["name"],
    columns: {
      name: "text",
      token: "uuid",
      holder_pid: "int4",
      holder_host: "text",
      backend_pid: "int4",
      backend_start: "timestamptz",
      acquired_at: "timestamptz",
      heartbeat_at: "timestamptz",
    },
  },
};

describe("migrations", () => {
  it("create every table and column of docs/design.md in schema teams with its type, plus only the documented additions", async () => {
    const { rows } = await sql<{ table_name: string; column_name: string; udt_name: string }>`
      select c.table_name, c.column_name, c.udt_name
      from information_schema.columns c
      join information_schema.tables t using (table_schema, table_name)
      where c.table_schema = 'teams' and t.table_type = 'BASE TABLE'
        and c.table_name not like 'kysely_migration%'
      order by c.table_name, c.column_name`.execute(warehouse.db);
    const actual: Record<string, Record<string, string>> = {};
    for (const r of rows) (actual[r.table_name] ??= {})[r.column_name] = r.udt_name;

    const expected: Record<string, Record<string, string>> = {};
    for (const [table, { columns }] of Object.entries(DESIGN)) {
      expected[table] = { ...columns, ...ADDED[table] };
    }
    for (const [table, { columns }] of Object.entries(NEW_TABLES)) expected[table] = columns;
    expect(actual).toEqual(expected);
  });

  it("give every table the primary key docs/design.md lists", async () => {
    const { rows } = await sql<{ table_name: string; columns: string[] }>`
      select rel.relname as table_name,
             array(select a.attname from unnest(con.conkey) with ordinality k(attnum, n)
                   join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum
                   order by k.n)::text[] as columns
      from pg_constraint con
      join pg_class rel on rel.oid = con.conrelid
      join pg_namespace ns on ns.oid = rel.relnamespace
      where ns.nspname = 'teams' and con.contype = 'p' and rel.relname not like 'kysely_migration%'`.execute(
      warehouse.db,
    );
    const actual = Object.fromEntries(rows.map((r) => [r.table_name, r.columns]));
    const expected = Object.fromEntries(
      Object.entries({ ...DESIGN, ...NEW_TABLES }).map(([t, { key }]) => [t, key]),
    );
    expect(actual).toEqual(expected);
  });

  it("comment on every table and every column of schema teams (BI tools show them)", async () => {
    const { rows: tables } = await sql<{ name: string; comment: string | null }>`
      select c.relname as name, obj_description(c.oid, 'pg_class') as comment
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'teams' and c.relkind = 'r'`.execute(warehouse.db);
    // Those of docs/design.md and this project, plus the Migrator's two.
    expect(tables.length).toBe(Object.keys({ ...DESIGN, ...NEW_TABLES }).length + 2);
    expect(tables.filter((t) => !t.comment?.trim()).map((t) => t.name)).toEqual([]);

    const { rows: columns } = await sql<{ name: string; comment: string | null }>`
      select c.relname || '.' || a.attname as name, col_description(c.oid, a.attnum) as comment
      from pg_class c
      join pg_namespace n on n.oid = c.relnamespace
      join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      where n.nspname = 'teams' and c.relkind = 'r'`.execute(warehouse.db);
    expect(columns.length).toBeGreaterThan(100);
    expect(columns.filter((c) => !c.comment?.trim()).map((c) => c.name)).toEqual([]);
  });

  it("explain in comments what NULL and bookkeeping columns mean", async () => {
    const comment = async (table: string, column: string) => {
      const { rows } = await sql<{ c: string }>`
        select col_description(${`teams.${table}`}::regclass,
          (select attnum from pg_attribute where attrelid = ${`teams.${table}`}::regclass and attname = ${column})::int) as c`.execute(
        warehouse.db,
      );
      return rows[0]?.c ?? "";
    };
    expect(await comment("user_chats", "last_message_read_at")).toMatch(/never/);
    expect(await comment("chats", "last_seen_at")).toMatch(/unchanged/);
    expect(await comment("user_chats", "removed_at")).toMatch(/keeps the last viewpoint/);
    const { rows } = await sql<{ c: string }>`
      select obj_description('teams.message_previews'::regclass, 'pg_class') as c`.execute(
      warehouse.db,
    );
    expect(rows[0]?.c).toMatch(/SAMPLE/);
  });

  it("index what analysts and the sync look up", async () => {
    const { rows } = await sql<{ indexname: string; indexdef: string }>`
      select indexname, indexdef from pg_indexes
      where schemaname = 'teams' and indexname not like '%pkey'
      order by indexname`.execute(warehouse.db);
    expect(rows.map((r) => r.indexdef.replace(/ USING btree/, ""))).toEqual([
      "CREATE INDEX chat_members_user_id_idx ON teams.chat_members (user_id)",
      "CREATE INDEX chat_messages_chat_id_created_at_idx ON teams.chat_messages (chat_id, created_at)",
      "CREATE INDEX chat_messages_created_at_idx ON teams.chat_messages (created_at)",
      "CREATE INDEX chat_messages_from_user_id_idx ON teams.chat_messages (from_user_id)",
      "CREATE INDEX chat_operations_chat_id_idx ON teams.chat_operations (chat_id)",
      "CREATE INDEX chat_operations_pending_idx ON teams.chat_operations (status, chat_id, operation_id) WHERE (status = ANY (ARRAY['notStarted'::text, 'inProgress'::text]))",
      "CREATE INDEX message_previews_chat_id_created_at_idx ON teams.message_previews (chat_id, created_at)",
      "CREATE INDEX message_previews_created_at_idx ON teams.message_previews (created_at)",
      "CREATE INDEX sync_failures_run_id_idx ON teams.sync_failures (run_id)",
      "CREATE INDEX sync_rejects_run_id_idx ON teams.sync_rejects (run_id)",
      "CREATE UNIQUE INDEX sync_runs_start_key_key ON teams.sync_runs (start_key)",
      "CREATE INDEX sync_runs_tenant_run_id_idx ON teams.sync_runs (tenant, run_id)",
      "CREATE INDEX sync_watermarks_run_id_idx ON teams.sync_watermarks (run_id)",
      "CREATE INDEX user_chats_chat_id_idx ON teams.user_chats (chat_id)",
      "CREATE INDEX user_chats_tenant_chat_id_idx ON teams.user_chats (tenant, chat_id)",
    ]);
  });

  it("migrate to latest a second time as a no-op, with nothing pending", async () => {
    const again = await migrateToLatest(warehouse.db);
    expect(again).toEqual({ results: [], error: undefined });
    expect(await pendingMigrations(warehouse.db)).toEqual([]);
    const { rows } = await sql<{ name: string }>`
      select name from teams.kysely_migration order by name`.execute(warehouse.db);
    expect(rows.map((r) => r.name)).toEqual([
      "2026-11-23T12-00_create-teams-schema",
      "2026-11-23T12-01_create-analyst-indexes",
      "2026-11-23T12-02_comment-tables-and-columns",
      "2026-11-23T13-00_add-follow-up-marks",
      "2026-11-23T13-30_create-reader-role",
      "2026-11-24T09-00_create-sync-locks",
      "2026-12-07T12-00_create-chat-messages",
      "2026-12-07T13-00_create-message-cursors",
      "2026-12-07T14-00_add-tenants-and-work-queue",
      "2026-12-07T14-30_add-tenant-row-security",
      "2026-12-07T15-00_reply-times-by-windows",
    ]);
  });

  it("constrain sync_runs.trigger and status to their documented values", async () => {
    await expect(
      sql`insert into teams.sync_runs (trigger) values ('hourly')`.execute(warehouse.db),
    ).rejects.toMatchObject({ code: "23514" });
    await expect(
      sql`insert into teams.sync_runs (trigger, status) values ('cron', 'done')`.execute(
        warehouse.db,
      ),
    ).rejects.toMatchObject({ code: "23514" });
  });
});
