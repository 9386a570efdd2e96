import { sql, type Kysely } from "kysely";
import type { Database } from "./schema.ts";

/** Graph's operation statuses that may still change; each run polls these again. */
export const PENDING_OPERATION_STATUSES = ["notStarted", "inProgress"] as const;

/**
 * Operations not ended yet, as chat id -> operation ids (served by
 * chat_operations_pending_idx). Given a run, the chats a user that run already synced
 * lists are left out: an earlier batch of the run (workers) listed or polled their
 * operations, as a single process does each chat once a run (ChatClaims).
 */
export async function pendingOperations(
  db: Kysely<Database>,
  runId: number | null = null,
): Promise<Map<string, string[]>> {
  let query = db
    .selectFrom("teams.chat_operations as o")
    .select(["o.chat_id", "o.operation_id"])
    .where("o.status", "in", [...PENDING_OPERATION_STATUSES]);
  if (runId !== null) {
    query = query.where(
      sql<boolean>`not exists (
        select 1 from teams.user_chats uc
        join teams.sync_run_users ru on ru.user_id = uc.user_id
        where uc.chat_id = o.chat_id and uc.removed_at is null
          and ru.run_id = ${runId} and ru.status = 'succeeded')`,
    );
  }
  const rows = await query.orderBy("o.chat_id").orderBy("o.operation_id").execute();
  const byChat = new Map<string, string[]>();
  for (const r of rows) {
    const list = byChat.get(r.chat_id);
    if (list) list.push(r.operation_id);
    else byChat.set(r.chat_id, [r.operation_id]);
  }
  return byChat;
}
