import { sql, type Kysely } from "kysely";
import { FOLLOW_UP_NAMES } from "./follow-up-writers.ts";
import { toJsonParam } from "./json-param.ts";
import type { FollowUpName, FollowUps } from "./loads.ts";
import { executeNamed } from "./named-statement.ts";
import type { Database } from "./schema.ts";

/** Per follow-up stream, the lastUpdatedDateTime (as sent) its rows were last loaded at. */
export type FollowUpMarks = { readonly [S in FollowUpName]: string | null };

/** The column of `chats` that holds a stream's mark. */
const markColumn = (stream: FollowUpName) => `${stream}_synced_raw` as const;

/** The marks of the given chats; chats not in the warehouse are absent. */
export async function readFollowUpMarks(
  db: Kysely<Database>,
  chatIds: readonly string[],
): Promise<Map<string, FollowUpMarks>> {
  const marks = new Map<string, FollowUpMarks>();
  if (chatIds.length === 0) return marks;
  const rows = await db
    .selectFrom("teams.chats")
    .select(["chat_id", ...FOLLOW_UP_NAMES.map(markColumn)])
    .where("chat_id", "=", sql<string>`any(${[...chatIds]}::text[])`)
    .execute();
  for (const row of rows) {
    const entries = FOLLOW_UP_NAMES.map((s) => [s, row[markColumn(s)]] as const);
    marks.set(row.chat_id, Object.fromEntries(entries) as FollowUpMarks);
  }
  return marks;
}

/**
 * One statement for every stream: `set <stream>_synced_raw = case when the row has the
 * stream's key then its value else the stored mark end`. A stream a chat has no mark for is
 * not a key of its JSON object (`row ? 'members'` is false), which keeps the stored mark; a
 * null mark is a key with a null value, written as NULL.
 */
const UPDATE_MARKS = (() => {
  const set = FOLLOW_UP_NAMES.map(
    (s) =>
      `${markColumn(s)} = case when m.row ? '${s}' then m.row ->> '${s}' else c.${markColumn(s)} end`,
  ).join(",\n           ");
  const moved = FOLLOW_UP_NAMES.map(
    (s) => `(m.row ? '${s}' and c.${markColumn(s)} is distinct from m.row ->> '${s}')`,
  ).join(" or ");
  return { set, moved };
})();

/**
 * Records that streams' follow-ups for these chats were loaded at the given
 * lastUpdatedDateTime, all streams in one statement. Writes only marks that move (a chat
 * absent from a stream's marks keeps that stream's mark); returns how many chats changed.
 */
export async function writeFollowUpMarks(
  db: Kysely<Database>,
  followUps: FollowUps,
): Promise<number> {
  const byChat = new Map<string, Record<string, string | null>>();
  for (const stream of FOLLOW_UP_NAMES) {
    for (const [chatId, raw] of followUps[stream]?.marks ?? []) {
      const row = byChat.get(chatId) ?? { chat_id: chatId };
      row[stream] = raw;
      byChat.set(chatId, row);
    }
  }
  if (byChat.size === 0) return 0;
  // Key order, as every writer locks chats.
  const rows = [...byChat.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, row]) => row);
  const result = await executeNamed(
    db,
    "update_follow_up_marks",
    sql`
    update teams.chats c
       set ${sql.raw(UPDATE_MARKS.set)}
      from jsonb_array_elements(${toJsonParam(rows)}::jsonb) as m(row)
     where c.chat_id = m.row ->> 'chat_id'
       and (${sql.raw(UPDATE_MARKS.moved)})`,
  );
  return Number(result.numAffectedRows ?? 0);
}
