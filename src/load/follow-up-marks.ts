import { sql, type Kysely } from "kysely";
import { toJsonParam } from "./json-param.ts";
import type { Database } from "./schema.ts";

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

const COLUMN: Record<FollowUpStream, "members_synced_raw" | "operations_synced_raw"> = {
  members: "members_synced_raw",
  operations: "operations_synced_raw",
};

/**
 * Records that a stream's follow-up for these chats was loaded at the given
 * lastUpdatedDateTime. Writes only marks that move; returns how many did.
 */
export async function writeFollowUpMarks(
  db: Kysely<Database>,
  stream: FollowUpStream,
  marks: ReadonlyMap<string, string | null>,
): Promise<number> {
  if (marks.size === 0) return 0;
  const rows = [...marks]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([chat_id, raw]) => ({ chat_id, raw }));
  const column = sql.ref(COLUMN[stream]);
  const result = await sql`
    update teams.chats c set ${column} = m.raw
      from jsonb_to_recordset(${toJsonParam(rows)}::jsonb) as m(chat_id text, raw text)
     where c.chat_id = m.chat_id and c.${column} is distinct from m.raw`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
