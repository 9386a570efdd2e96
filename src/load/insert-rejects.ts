import { sql, type Kysely } from "kysely";
import type { Rejected } from "../normalize/rows.ts";
import { toJsonParam } from "./json-param.ts";
import type { Database } from "./schema.ts";

/**
 * Dead-letters the items a user's normalization rejected; returns how many. Rejects are
 * the odd items by definition, so they travel as one sanitized jsonb parameter too.
 */
export async function insertRejects(
  db: Kysely<Database>,
  runId: number,
  userId: string | null,
  rejects: readonly Rejected[],
  at: Date,
): Promise<number> {
  if (rejects.length === 0) return 0;
  const json = toJsonParam(
    rejects.map((r) => ({
      kind: r.kind,
      context: r.context,
      reason: r.reason,
      raw: r.raw === undefined ? null : r.raw,
    })),
  );
  const { rows } = await sql<{ inserted: number }>`
    with inserted as (
      insert into teams.sync_rejects (run_id, user_id, kind, context, reason, raw, at)
      select ${runId}::bigint, ${userId}, v.kind, v.context, v.reason, v.raw, ${at}::timestamptz
      from rows from (jsonb_to_recordset(${json}::jsonb)
        as (kind text, context text, reason text, raw jsonb)) with ordinality as v(kind, context, reason, raw, ord)
      order by v.ord
      returning 1
    )
    select count(*)::int as inserted from inserted`.execute(db);
  return rows[0]?.inserted ?? 0;
}
