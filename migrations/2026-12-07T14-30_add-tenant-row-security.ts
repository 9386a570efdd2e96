import { sql, type Kysely } from "kysely";

// Row-level security for the reader roles of tenants (teams_reader_<tenant>, created by
// `teams-chat-sync reader-roles`): a session that has the privileges of such a role, and
// not those of teams_reader, sees only the rows of its tenants. Every other session is
// not restricted by these policies: teams_reader sees everything, the owner of the tables
// (the user that migrates and syncs) bypasses row security as owners do, and a writer an
// admin granted privileges to by hand keeps them. Migrations never import app code.

/** Tables that name their tenant: a row is the tenant's. */
const TENANT_TABLES = [
  "sync_runs",
  "sync_run_users",
  "sync_failures",
  "sync_rejects",
  "sync_watermarks",
  "sync_message_cursors",
  "sync_run_jobs",
  "user_chats",
];

/**
 * Tables keyed by a chat (Graph's ids are global: one chat is one row whichever tenant's
 * users are in it): a row is a tenant's when one of the tenant's users has the chat in
 * its list (user_chats, removed or not), so that a chat several tenants share is each's.
 */
const CHAT_TABLES = [
  "chats",
  "chat_members",
  "message_previews",
  "chat_operations",
  "chat_messages",
  "chat_message_mentions",
  "chat_message_reactions",
  "chat_message_attachments",
];

const FUNCTION_COMMENT =
  "The tenants the session reads as: those of the teams_reader_<tenant> roles whose privileges it has, or NULL (not restricted) when it has teams_reader's or none of them. Row-level security policies of schema teams filter by it.";

/**
 * Once per statement (an InitPlan), not once per row. The cast keeps `any (…)` reading it
 * as an array, not as a subquery of rows.
 */
const TENANTS = "(select teams.reader_tenants())::text[]";

export async function up(db: Kysely<unknown>): Promise<void> {
  // The search path is fixed so that a reader cannot shadow pg_has_role with its own
  // function; it runs as the invoker, whose roles it must see.
  await sql`
    create function teams.reader_tenants() returns text[]
    language sql stable
    set search_path = pg_catalog
    as $$
      select case
        when exists (
          select from pg_catalog.pg_roles r
           where r.rolname = 'teams_reader'
             and pg_catalog.pg_has_role(current_user, r.oid, 'USAGE')) then null
        else (
          select array_agg(substr(r.rolname, length('teams_reader_') + 1) order by r.rolname)
            from pg_catalog.pg_roles r
           where r.rolname like 'teams\\_reader\\_%'
             and pg_catalog.pg_has_role(current_user, r.oid, 'USAGE'))
      end
    $$`.execute(db);
  await sql`comment on function teams.reader_tenants() is ${sql.lit(FUNCTION_COMMENT)}`.execute(db);

  for (const table of TENANT_TABLES) {
    await enable(db, table, `tenant = any (${TENANTS})`);
  }
  for (const table of CHAT_TABLES) {
    await enable(
      db,
      table,
      `chat_id in (select uc.chat_id from teams.user_chats uc where uc.tenant = any (${TENANTS}))`,
    );
  }

  // A view reads its tables with its owner's rights by default, and the owner bypasses
  // row security: with security_invoker (Postgres 15+) the reader's policies apply. On an
  // older server the views stay as they were, and reader-roles does not grant them.
  const { rows } = await sql<{ v: number }>`
    select current_setting('server_version_num')::int as v`.execute(db);
  if ((rows[0]?.v ?? 0) >= 150000) {
    for (const view of await teamsViews(db)) {
      await sql`alter view ${sql.table(`teams.${view}`)} set (security_invoker = true)`.execute(db);
    }
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const { rows } = await sql<{ v: number }>`
    select current_setting('server_version_num')::int as v`.execute(db);
  if ((rows[0]?.v ?? 0) >= 150000) {
    for (const view of await teamsViews(db)) {
      await sql`alter view ${sql.table(`teams.${view}`)} reset (security_invoker)`.execute(db);
    }
  }
  for (const table of [...TENANT_TABLES, ...CHAT_TABLES]) {
    await sql`drop policy if exists tenant_readers on ${sql.table(`teams.${table}`)}`.execute(db);
    await sql`alter table ${sql.table(`teams.${table}`)} disable row level security`.execute(db);
  }
  await sql`drop function if exists teams.reader_tenants()`.execute(db);
}

async function enable(db: Kysely<unknown>, table: string, tenantRows: string): Promise<void> {
  const target = sql.table(`teams.${table}`);
  await sql`alter table ${target} enable row level security`.execute(db);
  // For every command: writers are not restricted (reader_tenants() is NULL for them),
  // and the tenants' readers are granted SELECT only.
  await sql`create policy tenant_readers on ${target}
    using (${sql.raw(TENANTS)} is null or ${sql.raw(tenantRows)})`.execute(db);
  await sql`comment on policy tenant_readers on ${target} is ${sql.lit(
    "A reader of tenants (teams_reader_<tenant>) sees its tenants' rows only; other sessions are not restricted. See teams.reader_tenants().",
  )}`.execute(db);
}

async function teamsViews(db: Kysely<unknown>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select c.relname as name from pg_catalog.pg_class c
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'teams' and c.relkind = 'v' order by 1`.execute(db);
  return rows.map((r) => r.name);
}
