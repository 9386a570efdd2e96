import type { Kysely } from "kysely";
import type { Database } from "./schema.ts";

/** Chats the user had at its last committed listing (active user_chats rows). */
export async function activeChatIds(db: Kysely<Database>, userId: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom("teams.user_chats")
    .select("chat_id")
    .where("user_id", "=", userId)
    .where("removed_at", "is", null)
    .execute();
  return new Set(rows.map((r) => r.chat_id));
}
