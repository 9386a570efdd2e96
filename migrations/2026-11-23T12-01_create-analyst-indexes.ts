import { sql, type Kysely } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  const teams = db.schema.withSchema("teams");
  // "Which chats is this person in?"
  await teams
    .createIndex("chat_members_user_id_idx")
    .on("chat_members")
    .column("user_id")
    .execute();
  // Activity over time, tenant-wide and per chat.
  await teams
    .createIndex("message_previews_created_at_idx")
    .on("message_previews")
    .column("created_at")
    .execute();
  await teams
    .createIndex("message_previews_chat_id_created_at_idx")
    .on("message_previews")
    .columns(["chat_id", "created_at"])
    .execute();
  // "Who sees this chat?" and the deleted-chat sweep (active viewpoints per chat).
  await teams.createIndex("user_chats_chat_id_idx").on("user_chats").column("chat_id").execute();
  await teams
    .createIndex("chat_operations_chat_id_idx")
    .on("chat_operations")
    .column("chat_id")
    .execute();
  // Each run re-polls the operations that have not ended; a partial index keeps that
  // lookup small however many finished operations accumulate.
  await teams
    .createIndex("chat_operations_pending_idx")
    .on("chat_operations")
    .columns(["status", "chat_id", "operation_id"])
    .where(sql.ref("status"), "in", ["notStarted", "inProgress"])
    .execute();
  await teams
    .createIndex("sync_failures_run_id_idx")
    .on("sync_failures")
    .column("run_id")
    .execute();
  await teams.createIndex("sync_rejects_run_id_idx").on("sync_rejects").column("run_id").execute();
  await teams
    .createIndex("sync_watermarks_run_id_idx")
    .on("sync_watermarks")
    .column("run_id")
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const index of [
    "sync_watermarks_run_id_idx",
    "sync_rejects_run_id_idx",
    "sync_failures_run_id_idx",
    "chat_operations_pending_idx",
    "chat_operations_chat_id_idx",
    "user_chats_chat_id_idx",
    "message_previews_chat_id_created_at_idx",
    "message_previews_created_at_idx",
    "chat_members_user_id_idx",
  ]) {
    await db.schema.withSchema("teams").dropIndex(index).ifExists().execute();
  }
}
