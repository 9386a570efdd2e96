import { sql, type Kysely } from "kysely";
import { toJsonParam } from "./json-param.ts";
import type { Database } from "./schema.ts";
import { PREPARED } from "./prepared-statements.ts";

/** The follow-up streams whose completion is marked per chat. */
export type FollowUpStream = "members" | "operations";

export interface FollowUpMarks {
  /** lastUpdatedDateTime (as sent) of the last complete member list loaded. */
  readonly members: string | null;
  /** lastUpdatedDateTime (as sent) of the last operations listing loaded. */
  readonly operations: string | null;
}

/** The marks of the given chats; chats not in the warehouse are absent. */
export async function readFollowUpMarks(
  db: Kysely<Database>,
  chatIds: readonly string[],
): Promise<Map<string, FollowUpMarks>> {
  const marks = new Map<string, FollowUpMarks>();
  if (chatIds.length === 0) return marks;
  const rows = await db
    .selectFrom("teams.chats")
    .select(["chat_id", "members_synced_raw", "operations_synced_raw"])
    .where("chat_id", "=", sql<string>`any(${[...chatIds]}::text[])`)
    .execute();
  for (const r of rows) {
    marks.set(r.chat_id, { members: r.members_synced_raw, operations: r.operations_synced_raw });
  }
  return marks;
}

/** The marks a load writes: per stream, the lastUpdatedDateTime each chat's follow-up was loaded at. */
export type FollowUpMarksInput = Partial<
  Record<FollowUpStream, ReadonlyMap<string, string | null>>
>;

/**
 * Records that streams' follow-ups for these chats were loaded at the given
 * lastUpdatedDateTime, all streams in one statement. Writes only marks that move (a chat
 * absent from a stream's map keeps that stream's mark); returns how many chats changed.
 */
export async function writeFollowUpMarks(
  db: Kysely<Database>,
  marks: FollowUpMarksInput,
): Promise<number> {
  const byChat = new Map<
    string,
    { chat_id: string; members?: string | null; operations?: string | null }
  >();
  for (const stream of ["members", "operations"] as const) {
    for (const [chatId, raw] of marks[stream] ?? []) {
      const row = byChat.get(chatId) ?? { chat_id: chatId };
      row[stream] = raw;
      byChat.set(chatId, row);
    }
  }
  if (byChat.size === 0) return 0;
  // Key order, as every writer locks chats. A stream a chat has no mark for is not a key
  // of its JSON object (`row ? 'members'` is false), which keeps the stored mark; a null
  // mark is a key with a null value, written as NULL.
  const rows = [...byChat.values()].sort((a, b) =>
    a.chat_id < b.chat_id ? -1 : a.chat_id > b.chat_id ? 1 : 0,
  );
  const result = await sql`${sql.raw(PREPARED)}
    update teams.chats c
       set members_synced_raw =
             case when m.row ? 'members' then m.row ->> 'members' else c.members_synced_raw end,
           operations_synced_raw =
             case when m.row ? 'operations' then m.row ->> 'operations' else c.operations_synced_raw end
      from jsonb_array_elements(${toJsonParam(rows)}::jsonb) as m(row)
     where c.chat_id = m.row ->> 'chat_id'
       and ((m.row ? 'members' and c.members_synced_raw is distinct from m.row ->> 'members')
         or (m.row ? 'operations'
             and c.operations_synced_raw is distinct from m.row ->> 'operations'))`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
