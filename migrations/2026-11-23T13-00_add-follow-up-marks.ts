import { sql, type Kysely } from "kysely";

/**
 * Per chat, the lastUpdatedDateTime at which its complete member list and its operations
 * were last loaded. A chat whose listed lastUpdatedDateTime equals the mark needs no
 * follow-up call, so an unchanged night costs only the listings; a follow-up that failed
 * leaves the mark behind, so the next run tries again.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .withSchema("teams")
    .alterTable("chats")
    .addColumn("members_synced_raw", "text")
    .addColumn("operations_synced_raw", "text")
    .execute();
  await sql`comment on column teams.chats.members_synced_raw is ${sql.lit(
    "Bookkeeping: the lastUpdatedDateTime (as Graph sent it) at which the complete member list of this chat was last loaded; NULL = never. A listing showing another value makes the next run fetch the members again.",
  )}`.execute(db);
  await sql`comment on column teams.chats.operations_synced_raw is ${sql.lit(
    "Bookkeeping: the lastUpdatedDateTime (as Graph sent it) at which this chat's async operations were last listed; NULL = never.",
  )}`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .withSchema("teams")
    .alterTable("chats")
    .dropColumn("members_synced_raw")
    .dropColumn("operations_synced_raw")
    .execute();
}
