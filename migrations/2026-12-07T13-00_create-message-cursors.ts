import { sql, type Kysely } from "kysely";

// Where each message source stands: per chat, how far its history was read; per user,
// the delta link that asks Graph for what changed since. Migrations never import app code.

const COLUMNS: Record<string, string> = {
  scope:
    "'chat': a chat's history read through GET /chats/{id}/messages; 'user': a user's changes read through getAllMessages/delta.",
  id: "The chat id (scope chat) or the user id (scope user).",
  last_modified_raw:
    "Scope chat: the newest lastModifiedDateTime (as Graph sent it) of the history read; the read is complete up to it.",
  delta_link:
    "Scope user: the @odata.deltaLink of the last complete round; the next run asks it for what changed since.",
  read_at:
    "When the read that set this row started: an expired delta link is replaced by a re-read of the changes since then (minus a lookback).",
  run_id: "The run that wrote this row (sync_runs.run_id).",
  updated_at: "When this row was last written.",
};

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .withSchema("teams")
    .createTable("sync_message_cursors")
    .addColumn("scope", "text", (c) => c.notNull().check(sql`scope in ('chat', 'user')`))
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("last_modified_raw", "text")
    .addColumn("delta_link", "text")
    .addColumn("read_at", "timestamptz", (c) => c.notNull())
    .addColumn("run_id", "bigint", (c) =>
      c.references("teams.sync_runs.run_id").onDelete("set null"),
    )
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint("sync_message_cursors_pkey", ["scope", "id"])
    .execute();
  await sql`comment on table teams.sync_message_cursors is ${sql.lit(
    "Where each chat message source stands; committed in the same transaction as the messages it covers.",
  )}`.execute(db);
  for (const [column, text] of Object.entries(COLUMNS)) {
    await sql`comment on column ${sql.raw(`teams.sync_message_cursors.${column}`)} is ${sql.lit(text)}`.execute(
      db,
    );
  }
  await sql`
    do $$
    begin
      if exists (select from pg_roles where rolname = 'teams_reader') then
        grant select on teams.sync_message_cursors to teams_reader;
      end if;
    end
    $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.withSchema("teams").dropTable("sync_message_cursors").ifExists().execute();
}
