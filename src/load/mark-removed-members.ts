import { sql, type Kysely } from "kysely";
import type { ChatMemberRow } from "../normalize/rows.ts";
import type { Database } from "./schema.ts";
import { executeNamed } from "./named-statement.ts";

/**
 * For chats whose complete member list is known, marks the active members absent from
 * it as removed (removed_at = at) and returns how many. Members present are the
 * upsert's business (it clears removed_at). Rows are locked in key order.
 */
export async function markRemovedMembers(
  db: Kysely<Database>,
  completeMembers: ReadonlyMap<string, readonly Pick<ChatMemberRow, "membership_id">[]>,
  at: Date,
): Promise<number> {
  if (completeMembers.size === 0) return 0;
  const chatIds: string[] = [];
  const presentChats: string[] = [];
  const presentMemberships: string[] = [];
  for (const [chatId, members] of completeMembers) {
    chatIds.push(chatId);
    for (const m of members) {
      presentChats.push(chatId);
      presentMemberships.push(m.membership_id);
    }
  }
  const { rows } = await executeNamed(
    db,
    "mark_removed_members",
    sql<{ removed: number }>`
    with present as (
      select * from unnest(${presentChats}::text[], ${presentMemberships}::text[])
        as p(chat_id, membership_id)
    ), gone as (
      select m.chat_id, m.membership_id
      from teams.chat_members m
      where m.chat_id = any(${chatIds}::text[])
        and m.removed_at is null
        and not exists (
          select 1 from present p
          where p.chat_id = m.chat_id and p.membership_id = m.membership_id)
      order by m.chat_id, m.membership_id
      for update of m
    ), removed as (
      update teams.chat_members t set removed_at = ${at}::timestamptz
      from gone g
      where t.chat_id = g.chat_id and t.membership_id = g.membership_id
      returning 1
    )
    select count(*)::int as removed from removed`,
  );
  return rows[0]?.removed ?? 0;
}
