import { sql, type Kysely } from "kysely";
import type { Database } from "./schema.ts";

/**
 * After a user's complete listing: the user's active chats absent from it get
 * removed_at = at, keeping their last viewpoint. Returns how many.
 */
export async function markRemovedUserChats(
  db: Kysely<Database>,
  userId: string,
  listedChatIds: readonly string[],
  at: Date,
): Promise<number> {
  const { rows } = await sql<{ removed: number }>`
    with removed as (
      update teams.user_chats set removed_at = ${at}::timestamptz
      where user_id = ${userId}
        and removed_at is null
        and chat_id <> all(${[...listedChatIds]}::text[])
      returning 1
    )
    select count(*)::int as removed from removed`.execute(db);
  return rows[0]?.removed ?? 0;
}
