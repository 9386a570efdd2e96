import type { Kysely } from "kysely";
import type { ChatRow } from "../normalize/rows.ts";
import type { Database } from "./schema.ts";
import { upsertRows, type UpsertOptions, type UpsertSpec, type WriteCount } from "./upsert-rows.ts";

export const CHATS: UpsertSpec<ChatRow> = {
  name: "upsert_chats",
  table: "chats",
  key: ["chat_id"],
  columns: {
    chat_id: "text",
    tenant_id: "text",
    chat_type: "text",
    topic: "text",
    web_url: "text",
    created_at: "timestamptz",
    last_updated_at: "timestamptz",
    last_updated_raw: "text",
    is_hidden_for_all_members: "boolean",
    migration_mode: "text",
    original_created_at: "timestamptz",
    meeting_join_url: "text",
    meeting_calendar_event_id: "text",
    meeting_organizer_id: "text",
    last_message_id: "text",
    last_message_at: "timestamptz",
    raw: "jsonb",
  },
  // Listed by someone again: not deleted (the end-of-run sweep agrees).
  reappears: "deleted_at",
};

export function upsertChats(
  db: Kysely<Database>,
  rows: readonly ChatRow[],
  seenAt: Date,
  options?: UpsertOptions,
): Promise<WriteCount> {
  return upsertRows(db, CHATS, rows, seenAt, options);
}
