/**
 * One `chatMessage` (an item of `GET /chats/{id}/messages`, `GET …/messages/{id}`, or
 * `getAllMessages`, whose items carry `chatId`) -> its chat_messages row and its current
 * mentions, reactions and attachments.
 *
 * Keys: a message id is unique only within its chat, so a row is keyed by (chat, id).
 * The chat is the caller's `chatId` when given (the chat whose messages were listed, so
 * that rows and the chat's cursor agree); the item's own `chatId` is used when the caller
 * has none (getAllMessages). When both are given and differ, the caller's wins with a
 * warning (raw keeps the item's). Rejected (dead-lettered, never thrown) only when it
 * cannot be keyed: not an object, no usable string `id`, or no usable chat id.
 *
 * Fields: wrong types are stored as null with a warning; enum values (messageType,
 * importance, contentType, identity types) are kept as sent, unknown ones included;
 * timestamps must be Graph timestamps (0-7 fractional digits), the 0001-01-01 sentinel is
 * null; `eventDetail` and `policyViolation` are kept whole (jsonb). A deleted message is
 * read like any other: `deleted_at` set, and the (empty) body and null sender Graph sends.
 * `body_text` is the body as plain text (see html-text.ts); a text body is kept as is.
 */
import type * as MicrosoftGraph from "@microsoft/microsoft-graph-types";
import { FieldReader, isJsonObject, ownValue } from "./fields.ts";
import { accepted, keyItem, unusableIdReason } from "./keyed-item.ts";
import { htmlToText } from "./html-text.ts";
import { readAttachments } from "./message-attachments.ts";
import { readMentions, type PartContext } from "./message-mentions.ts";
import { hashAddressesDeep, messageEmails, applyMessagePrivacy } from "./message-privacy.ts";
import { readReactions } from "./message-reactions.ts";
import { resolveNormalizeOptions, type NormalizeOptions } from "./options.ts";
import { eventDetailType, nullNeverDateTimes, readSender } from "./preview.ts";
import type {
  ChatMessageRow,
  Json,
  JsonObject,
  NormalizedChatMessage,
  Normalized,
  Rejected,
} from "./rows.ts";
import { sanitizeJson, sanitizeText } from "./sanitize.ts";

/** What the typings miss: `chatId` is on chatMessage, the rest are read loosely. */
type GraphMessage = MicrosoftGraph.ChatMessage;

export function normalizeChatMessage(
  json: unknown,
  chatId: string | null,
  options: Partial<NormalizeOptions> = {},
): Normalized<NormalizedChatMessage> {
  const warnings: string[] = [];
  const clean = sanitizeJson(json, warnings);
  return messageFromClean(clean, chatId, resolveNormalizeOptions(options), "", warnings);
}

/** For callers that already sanitized (a page of messages); warnings are prefixed by `path`. */
export function messageFromClean(
  clean: Json,
  callerChatId: string | null,
  options: NormalizeOptions,
  path: string,
  warnings: string[],
): Normalized<NormalizedChatMessage> {
  const itemChatId = isJsonObject(clean) ? ownValue(clean, "chatId") : undefined;
  const context = callerChatId ?? (typeof itemChatId === "string" ? itemChatId : "(no chat id)");
  const reject = (reason: string): { ok: false; rejected: Rejected } => ({
    ok: false,
    rejected: { kind: "message", context, reason, raw: applyMessagePrivacy(clean, options) },
  });
  const keyed = keyItem(clean, "message", context, options);
  if (!keyed.ok) return reject(keyed.rejected.reason);
  let chatId = callerChatId;
  if (chatId === null) {
    if (typeof itemChatId !== "string" || itemChatId === "") {
      return reject("no chat id: none given and the message has no chatId string");
    }
    const unusable = unusableIdReason(itemChatId);
    if (unusable !== null) return reject(`chatId: ${unusable}`);
    chatId = itemChatId;
  } else if (typeof itemChatId === "string" && itemChatId !== chatId) {
    warnings.push(
      `${at(path, "chatId")}: differs from the chat it was read from; keyed by the latter`,
    );
  }
  const { item, id } = keyed;
  const read = new FieldReader<GraphMessage>(item, path, warnings);
  const keepBodies = options.includeMessageBodies;
  const body = readBody(read.object("body"), at(path, "body"), keepBodies, warnings);
  const lastModified = read.timestampAsSent("lastModifiedDateTime");
  const detail = read.object("eventDetail");
  const message: ChatMessageRow = {
    chat_id: chatId,
    message_id: id,
    message_type: read.string("messageType"),
    created_at: read.timestamp("createdDateTime"),
    last_modified_at: lastModified?.value ?? null,
    last_modified_raw: lastModified?.sent ?? null,
    last_edited_at: read.timestamp("lastEditedDateTime"),
    deleted_at: read.timestamp("deletedDateTime"),
    subject: read.string("subject"),
    importance: read.string("importance"),
    etag: read.string("etag"),
    web_url: read.string("webUrl"),
    ...readSender(read.object("from"), at(path, "from"), warnings),
    body_content_type: body.contentType,
    body_content: keepBodies ? body.content : null,
    body_text: keepBodies ? body.text : null,
    event_detail_type:
      detail === null ? null : eventDetailType(detail, at(path, "eventDetail"), warnings),
    event_detail: detail === null ? null : (nullNeverDateTimes(detail) as JsonObject),
    policy_violation: read.object("policyViolation"),
    raw: applyMessagePrivacy(withoutAnnotations(item), options) as JsonObject,
  };
  const part = (key: string): PartContext => ({
    chatId: message.chat_id,
    messageId: id,
    path: at(path, key),
    warnings,
  });
  const normalized: NormalizedChatMessage = {
    message,
    mentions: readMentions(ownValue(item, "mentions"), part("mentions")),
    reactions: readReactions(ownValue(item, "reactions"), part("reactions")),
    attachments: readAttachments(ownValue(item, "attachments"), part("attachments"), options),
  };
  if (!options.hashEmails) return accepted(normalized, warnings);
  const texts = keepBodies
    ? [body.content, body.text, ...normalized.attachments.map((a) => a.content)]
    : [];
  return accepted(hashAddressesDeep(normalized, messageEmails(item, texts)), warnings);
}

interface Body {
  contentType: string | null;
  content: string | null;
  text: string | null;
}

/** The body; its text is made only when bodies are kept (`withText`). */
function readBody(
  body: JsonObject | null,
  path: string,
  withText: boolean,
  warnings: string[],
): Body {
  const read = new FieldReader<MicrosoftGraph.ItemBody>(body ?? {}, path, warnings);
  const contentType = read.string("contentType");
  const content = read.string("content");
  if (content === null || !withText) return { contentType, content, text: null };
  if (contentType?.toLowerCase() !== "html") return { contentType, content, text: content };
  // Character references can spell what Postgres cannot store (&#0;, a lone surrogate).
  return { contentType, content, text: sanitizeText(htmlToText(content)).text };
}

/**
 * The message without the response's annotations (`@odata.context`, which differs between
 * list and get, and hints such as `@microsoft.graph.tips`): kept, they would make an
 * unchanged message look changed. `@odata.type` describes the message and stays.
 */
function withoutAnnotations(item: JsonObject): JsonObject {
  if (!Object.keys(item).some(isAnnotation)) return item;
  return Object.fromEntries(Object.entries(item).filter(([key]) => !isAnnotation(key)));
}

function isAnnotation(key: string): boolean {
  return key.startsWith("@") && key !== "@odata.type";
}

function at(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}
