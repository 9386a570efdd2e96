import type { Kysely } from "kysely";
import type { MessagePreviewRow } from "../normalize/rows.ts";
import type { Database } from "./schema.ts";
import { upsertRows, type UpsertOptions, type UpsertSpec, type WriteCount } from "./upsert-rows.ts";

export const MESSAGE_PREVIEWS: UpsertSpec<MessagePreviewRow> = {
  name: "upsert_message_previews",
  table: "message_previews",
  key: ["chat_id", "message_id"],
  columns: {
    chat_id: "text",
    message_id: "text",
    created_at: "timestamptz",
    is_deleted: "boolean",
    message_type: "text",
    body_content_type: "text",
    body_content: "text",
    from_kind: "text",
    from_user_id: "text",
    from_application_id: "text",
    from_identity_type: "text",
    from_display_name: "text",
    event_detail_type: "text",
    event_detail: "jsonb",
  },
};

/**
 * Inserts previews not seen before; a known one is rewritten only if it changed (e.g.
 * the message was deleted since). Previews are never removed: together they are a
 * sample of activity.
 */
export function upsertMessagePreviews(
  db: Kysely<Database>,
  rows: readonly MessagePreviewRow[],
  seenAt: Date,
  options?: UpsertOptions,
): Promise<WriteCount> {
  return upsertRows(db, MESSAGE_PREVIEWS, rows, seenAt, options);
}
