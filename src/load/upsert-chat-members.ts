import type { Kysely } from "kysely";
import type { ChatMemberRow } from "../normalize/rows.ts";
import type { Database } from "./schema.ts";
import { upsertRows, type UpsertOptions, type UpsertSpec, type WriteCount } from "./upsert-rows.ts";

export const CHAT_MEMBERS: UpsertSpec<ChatMemberRow> = {
  name: "upsert_chat_members",
  table: "chat_members",
  key: ["chat_id", "membership_id"],
  columns: {
    chat_id: "text",
    membership_id: "text",
    member_type: "text",
    user_id: "text",
    display_name: "text",
    email: "text",
    tenant_id: "text",
    roles: "text[]",
    visible_history_start_at: "timestamptz",
    raw: "jsonb",
  },
  reappears: "removed_at",
};

/** Upserts members as seen; removal of absent ones is markRemovedMembers' job. */
export function upsertChatMembers(
  db: Kysely<Database>,
  rows: readonly ChatMemberRow[],
  seenAt: Date,
  options?: UpsertOptions,
): Promise<WriteCount> {
  return upsertRows(db, CHAT_MEMBERS, rows, seenAt, options);
}
