import { sql, type Kysely } from "kysely";
import { toJsonParam } from "./json-param.ts";
import type { FollowUpLoad } from "./loads.ts";
import { executeNamed } from "./named-statement.ts";
import type { Database } from "./schema.ts";

/** Per follow-up stream, the lastUpdatedDateTime (as sent) its rows were last loaded at. */
export type FollowUpMarks = Readonly<Record<string, string | null>>;

/**
 * The column of `chats` that holds a stream's mark (added by the stream's migration).
 * Stream names are the program's own identifiers, never input.
 */
function markColumn(stream: string): string {
  if (!/^[a-z][a-z_]*$/.test(stream)) throw new Error(`not a stream name: ${stream}`);
  return `${stream}_synced_raw`;
}

/** The marks of the given chats for these streams; chats not in the warehouse are absent. */
export async function readFollowUpMarks(
  db: Kysely<Database>,
  chatIds: readonly string[],
  streams: readonly string[],
): Promise<Map<string, FollowUpMarks>> {
  const marks = new Map<string, FollowUpMarks>();
  if (chatIds.length === 0 || streams.length === 0) return marks;
  const columns = streams.map((s) => sql`${sql.ref(markColumn(s))} as ${sql.ref(s)}`);
  const { rows } = await sql<Record<string, string | null> & { chat_id: string }>`
    select chat_id, ${sql.join(columns)} from teams.chats
     where chat_id = any(${[...chatIds]}::text[])`.execute(db);
  for (const row of rows) {
    marks.set(row.chat_id, Object.fromEntries(streams.map((s) => [s, row[s] ?? null])));
  }
  return marks;
}

/**
 * Records that streams' follow-ups for these chats were loaded at the given
 * lastUpdatedDateTime, all streams in one statement: `<stream>_synced_raw = case when the
 * row has the stream's key then its value else the stored mark end`. A stream a chat has no
 * mark for is not a key of its JSON object (`row ? 'members'` is false), which keeps the
 * stored mark; a null mark is a key with a null value, written as NULL. Writes only marks
 * that move; returns how many chats changed.
 */
export async function writeFollowUpMarks(
  db: Kysely<Database>,
  followUps: readonly Pick<FollowUpLoad, "stream" | "marks">[],
): Promise<number> {
  const streams = followUps.filter((f) => f.marks.size > 0).map((f) => f.stream);
  if (streams.length === 0) return 0;
  const byChat = new Map<string, Record<string, string | null>>();
  for (const { stream, marks } of followUps) {
    for (const [chatId, raw] of marks) {
      const row = byChat.get(chatId) ?? { chat_id: chatId };
      row[stream] = raw;
      byChat.set(chatId, row);
    }
  }
  // Key order, as every writer locks chats.
  const rows = [...byChat.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, row]) => row);
  const set = streams.map(
    (s) =>
      sql`${sql.ref(markColumn(s))} = case when m.row ? ${sql.lit(s)} then m.row ->> ${sql.lit(s)} else c.${sql.ref(markColumn(s))} end`,
  );
  const moved = streams.map(
    (s) =>
      sql`(m.row ? ${sql.lit(s)} and c.${sql.ref(markColumn(s))} is distinct from m.row ->> ${sql.lit(s)})`,
  );
  // One statement text per set of streams, so one name per set.
  const result = await executeNamed(
    db,
    `update_follow_up_marks_${streams.join("_")}`,
    sql`
    update teams.chats c
       set ${sql.join(set)}
      from jsonb_array_elements(${toJsonParam(rows)}::jsonb) as m(row)
     where c.chat_id = m.row ->> 'chat_id'
       and (${sql.join(moved, sql` or `)})`,
  );
  return Number(result.numAffectedRows ?? 0);
}
