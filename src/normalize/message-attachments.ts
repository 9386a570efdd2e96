import type * as MicrosoftGraph from "@microsoft/microsoft-graph-types";
import { FieldReader, ownValue } from "./fields.ts";
import { unusableIdReason } from "./keyed-item.ts";
import { partItems, type PartContext } from "./message-mentions.ts";
import type { NormalizeOptions } from "./options.ts";
import type { ChatMessageAttachmentRow, Json } from "./rows.ts";

/**
 * `attachments[]` -> one row per attachment id. `content` (a card's JSON, a forwarded
 * message, a quoted reply's text) is message content: null when bodies are not kept.
 * An attachment without a usable string id cannot be keyed and is left out, a repeated
 * id keeps the first; each with a warning (raw keeps them).
 */
export function readAttachments(
  value: Json | undefined,
  at: PartContext,
  options: NormalizeOptions,
): ChatMessageAttachmentRow[] {
  const rows: ChatMessageAttachmentRow[] = [];
  const seen = new Map<string, string>();
  for (const [item, path] of partItems(value, at)) {
    const id = ownValue(item, "id");
    const unusable =
      typeof id !== "string" || id === "" ? "attachment without a string id" : unusableIdReason(id);
    if (typeof id !== "string" || unusable !== null) {
      at.warnings.push(`${path}: ${unusable ?? "unusable id"}; left out`);
      continue;
    }
    const first = seen.get(id);
    if (first !== undefined) {
      at.warnings.push(`${path}: same attachment id as ${first}; kept ${first}`);
      continue;
    }
    seen.set(id, path);
    const read = new FieldReader<MicrosoftGraph.ChatMessageAttachment>(item, path, at.warnings);
    const content = read.string("content");
    rows.push({
      chat_id: at.chatId,
      message_id: at.messageId,
      attachment_id: id,
      content_type: read.string("contentType"),
      content_url: read.string("contentUrl"),
      name: read.string("name"),
      thumbnail_url: read.string("thumbnailUrl"),
      teams_app_id: read.identifier("teamsAppId"),
      content: options.includeMessageBodies ? content : null,
    });
  }
  return rows;
}
