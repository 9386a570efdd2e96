import { sql, type Kysely } from "kysely";
import type { Database } from "./schema.ts";
import { executeNamed } from "./named-statement.ts";

/**
 * After a user's complete listing: the user's active chats absent from it get
 * removed_at = at, keeping their last viewpoint. Returns how many. An anti-join on the
 * listed ids rather than `chat_id <> all(ids)`: Postgres planned that by estimating each
 * of the ids against the column's statistics, which cost far more than the update
 * itself (docs/decisions.md).
 */
export async function markRemovedUserChats(
  db: Kysely<Database>,
  userId: string,
  listedChatIds: readonly string[],
  at: Date,
): Promise<number> {
  const { rows } = await executeNamed(
    db,
    "mark_removed_user_chats",
    sql<{ removed: number }>`
    with removed as (
      update teams.user_chats set removed_at = ${at}::timestamptz
      where user_id = ${userId}
        and removed_at is null
        and not exists (
          select 1 from unnest(${[...listedChatIds]}::text[]) as listed(chat_id)
          where listed.chat_id = user_chats.chat_id)
      returning 1
    )
    select count(*)::int as removed from removed`,
  );
  return rows[0]?.removed ?? 0;
}
