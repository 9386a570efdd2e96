import type { Kysely } from "kysely";
import type { ChatOperationRow } from "../normalize/rows.ts";
import type { Database } from "./schema.ts";
import { upsertRows, type UpsertOptions, type UpsertSpec, type WriteCount } from "./upsert-rows.ts";

export const CHAT_OPERATIONS: UpsertSpec<ChatOperationRow> = {
  name: "upsert_chat_operations",
  table: "chat_operations",
  key: ["operation_id"],
  columns: {
    operation_id: "text",
    chat_id: "text",
    operation_type: "text",
    status: "text",
    created_at: "timestamptz",
    last_action_at: "timestamptz",
    attempts_count: "integer",
    target_resource_id: "text",
    target_resource_location: "text",
    error_code: "text",
    error_message: "text",
    raw: "jsonb",
  },
};

export function upsertChatOperations(
  db: Kysely<Database>,
  rows: readonly ChatOperationRow[],
  seenAt: Date,
  options?: UpsertOptions,
): Promise<WriteCount> {
  return upsertRows(db, CHAT_OPERATIONS, rows, seenAt, options);
}
