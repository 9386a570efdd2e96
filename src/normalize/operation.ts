import type * as MicrosoftGraph from "@microsoft/microsoft-graph-types";
import { FieldReader } from "./fields.ts";
import { accepted, keyItem, withoutResponseContext } from "./keyed-item.ts";
import { DEFAULT_NORMALIZE_OPTIONS } from "./options.ts";
import type { ChatOperationRow, Normalized } from "./rows.ts";
import { sanitizeJson } from "./sanitize.ts";

/**
 * One `teamsAsyncOperation` of a chat (`GET /beta/chats/{id}/operations[/{id}]`).
 * `operationType` and `status` are kept as sent (beta's `createChat` and values after
 * `unknownFutureValue` included); `attemptsCount` must be a 32-bit integer; `error` is
 * `{code, message}` or null. The undocumented `values` string stays in `raw`.
 * Rejected only without a string `id`.
 */
type GraphOperation = MicrosoftGraph.TeamsAsyncOperation & { values?: string | null };

export function normalizeOperation(json: unknown, chatId: string): Normalized<ChatOperationRow> {
  const warnings: string[] = [];
  const clean = sanitizeJson(json, warnings);
  // Operations carry no email or message body, so the privacy options change nothing.
  const keyed = keyItem(clean, "operation", chatId, DEFAULT_NORMALIZE_OPTIONS);
  if (!keyed.ok) return keyed;
  const read = new FieldReader<GraphOperation>(keyed.item, "", warnings);
  const error = read.object("error");
  const readError = new FieldReader<MicrosoftGraph.OperationError>(error ?? {}, "error", warnings);
  return accepted<ChatOperationRow>(
    {
      operation_id: keyed.id,
      chat_id: chatId,
      operation_type: read.string("operationType"),
      status: read.string("status"),
      created_at: read.timestamp("createdDateTime"),
      last_action_at: read.timestamp("lastActionDateTime"),
      attempts_count: read.integer("attemptsCount"),
      target_resource_id: read.identifier("targetResourceId"),
      target_resource_location: read.string("targetResourceLocation"),
      error_code: readError.string("code"),
      error_message: readError.string("message"),
      raw: withoutResponseContext(keyed.item),
    },
    warnings,
  );
}
