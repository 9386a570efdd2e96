import type { Kysely } from "kysely";
import type { Database } from "./schema.ts";

/** Graph's operation statuses that may still change; each run polls these again. */
export const PENDING_OPERATION_STATUSES = ["notStarted", "inProgress"] as const;

/** Operations not ended yet, as chat id -> operation ids (served by chat_operations_pending_idx). */
export async function pendingOperations(db: Kysely<Database>): Promise<Map<string, string[]>> {
  const rows = await db
    .selectFrom("teams.chat_operations")
    .select(["chat_id", "operation_id"])
    .where("status", "in", [...PENDING_OPERATION_STATUSES])
    .orderBy("chat_id")
    .orderBy("operation_id")
    .execute();
  const byChat = new Map<string, string[]>();
  for (const r of rows) {
    const list = byChat.get(r.chat_id);
    if (list) list.push(r.operation_id);
    else byChat.set(r.chat_id, [r.operation_id]);
  }
  return byChat;
}
