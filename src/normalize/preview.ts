import type * as MicrosoftGraph from "@microsoft/microsoft-graph-types";
import { describeJson, FieldReader, isJsonObject, ownValue } from "./fields.ts";
import { accepted, keyItem } from "./keyed-item.ts";
import { stripODataType } from "./odata-type.ts";
import { resolveNormalizeOptions, type NormalizeOptions } from "./options.ts";
import { applyPrivacy } from "./privacy.ts";
import type { Json, JsonObject, MessagePreviewRow, Normalized } from "./rows.ts";
import { sanitizeJson } from "./sanitize.ts";
import { isNeverTimestamp } from "./timestamp.ts";

/**
 * One `chatMessageInfo` (a chat's `lastMessagePreview`).
 *
 * - `from`: null for system messages; otherwise the first of `user`, `application`,
 *   `device` that is set names `from_kind` (all three null: no sender, no warning).
 * - `eventDetail`: any subtype, known or not, kept whole as `event_detail` (jsonb) with
 *   `event_detail_type` = its `@odata.type` without prefix. Inside it, a `*DateTime`
 *   field holding the "never" sentinel becomes null, as in every timestamp column.
 * - `messageType` and `body.contentType` are kept as sent, unknown values included.
 * - Rejected only without a string `id`.
 */
type GraphPreview = MicrosoftGraph.ChatMessageInfo;
type GraphIdentity = MicrosoftGraph.TeamworkUserIdentity &
  MicrosoftGraph.TeamworkApplicationIdentity & { deviceIdentityType?: string | null };

const SENDER_KINDS = ["user", "application", "device"] as const;
type SenderKind = (typeof SENDER_KINDS)[number];

type Sender = Pick<
  MessagePreviewRow,
  "from_kind" | "from_user_id" | "from_application_id" | "from_identity_type" | "from_display_name"
>;

const NO_SENDER: Sender = {
  from_kind: null,
  from_user_id: null,
  from_application_id: null,
  from_identity_type: null,
  from_display_name: null,
};

export function normalizePreview(
  json: unknown,
  chatId: string,
  options: Partial<NormalizeOptions> = {},
): Normalized<MessagePreviewRow> {
  const warnings: string[] = [];
  const clean = sanitizeJson(json, warnings);
  return previewFromClean(clean, chatId, resolveNormalizeOptions(options), "", warnings);
}

/** For callers that already sanitized (a chat's expansion); warnings are prefixed by `path`. */
export function previewFromClean(
  clean: Json,
  chatId: string,
  options: NormalizeOptions,
  path: string,
  warnings: string[],
): Normalized<MessagePreviewRow> {
  const keyed = keyItem(clean, "preview", chatId, options);
  if (!keyed.ok) return keyed;
  const read = new FieldReader<GraphPreview>(keyed.item, path, warnings);
  const body = read.object("body");
  const readBody = new FieldReader<MicrosoftGraph.ItemBody>(
    body ?? {},
    join(path, "body"),
    warnings,
  );
  const bodyContent = readBody.string("content");
  const detail = read.object("eventDetail");
  return accepted<MessagePreviewRow>(
    {
      chat_id: chatId,
      message_id: keyed.id,
      created_at: read.timestamp("createdDateTime"),
      is_deleted: read.boolean("isDeleted"),
      message_type: read.string("messageType"),
      body_content_type: readBody.string("contentType"),
      body_content: options.includeMessageBodies ? bodyContent : null,
      ...readSender(read.object("from"), join(path, "from"), warnings),
      event_detail_type:
        detail === null ? null : eventDetailType(detail, join(path, "eventDetail"), warnings),
      event_detail:
        detail === null ? null : (applyPrivacy(nullNeverDateTimes(detail), options) as JsonObject),
    },
    warnings,
  );
}

/** Shared with chat messages, whose `from` has the same shape. */
export function readSender(from: JsonObject | null, path: string, warnings: string[]): Sender {
  if (from === null) return NO_SENDER;
  const set: [SenderKind, JsonObject][] = [];
  for (const kind of SENDER_KINDS) {
    const identity = ownValue(from, kind);
    if (isJsonObject(identity)) set.push([kind, identity]);
    else if (identity !== undefined && identity !== null) {
      warnings.push(`${path}.${kind}: expected an object, got ${describeJson(identity)}; ignored`);
    }
  }
  const [chosen, ...others] = set;
  if (chosen === undefined) return NO_SENDER;
  const [kind, identity] = chosen;
  if (others.length > 0) {
    const names = set.map(([k]) => k).join(", ");
    warnings.push(`${path}: several identities set (${names}); used ${kind}`);
  }
  const read = new FieldReader<GraphIdentity>(identity, `${path}.${kind}`, warnings);
  const id = read.identifier("id");
  return {
    from_kind: kind,
    from_user_id: kind === "user" ? id : null,
    from_application_id: kind === "application" ? id : null,
    from_identity_type: read.string(`${kind}IdentityType`),
    from_display_name: read.string("displayName"),
  };
}

export function eventDetailType(
  detail: JsonObject,
  path: string,
  warnings: string[],
): string | null {
  const type = ownValue(detail, "@odata.type");
  if (typeof type === "string") return stripODataType(type);
  warnings.push(`${path}: no @odata.type string; event_detail_type stored as null`);
  return null;
}

/** Deep copy where `"…DateTime": "0001-01-01T00:00:00Z"` becomes null. */
export function nullNeverDateTimes(json: Json): Json {
  if (Array.isArray(json)) return json.map(nullNeverDateTimes);
  if (!isJsonObject(json)) return json;
  return Object.fromEntries(
    Object.entries(json).map(([key, value]) => [
      key,
      key.endsWith("DateTime") && typeof value === "string" && isNeverTimestamp(value)
        ? null
        : nullNeverDateTimes(value),
    ]),
  );
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}
