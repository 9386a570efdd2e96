/**
 * One item of `GET /users/{id}/chats?$expand=members,lastMessagePreview` (also an item of
 * `GET /chats/{id}`, or one without expansions) -> the rows of a ListedChat.
 *
 * Bad input, per field (identity and keys reject; descriptive fields degrade):
 * - The item is rejected (a `Rejected` with the reason and the sanitized JSON, redacted
 *   per the privacy options; never a throw) only when it cannot be keyed: it is not an object, or `id` is missing, null,
 *   not a string, or empty.
 * - Any other field of the wrong type is stored as null with a warning; `raw` keeps what
 *   Graph sent. Strings: tenantId, chatType, topic, webUrl, migrationMode. Timestamps
 *   (createdDateTime, lastUpdatedDateTime, originalCreatedDateTime) must be valid ISO
 *   8601 with 0-7 fractional digits, else null (and `last_updated_raw` null too).
 *   Booleans: isHiddenForAllMembers. onlineMeetingInfo not an object: no meeting columns.
 * - viewpoint/chatViewpoint not an object: no viewpoint row; its fields degrade alike.
 * - members not an array: `members` null (as if not expanded, so nobody is marked
 *   removed); a member without a string id is left out; the same membership id twice
 *   keeps the first. Each with a warning.
 * - lastMessagePreview not an object, or without a string id: no preview, a warning.
 * - Unknown enum values (chatType, messageType, member types...) are kept as text,
 *   silently: Graph adds values over time.
 * - NUL and lone surrogates anywhere (values, keys, deep in raw) become U+FFFD, with a
 *   warning.
 */
import type * as MicrosoftGraph from "@microsoft/microsoft-graph-types";
import { describeJson, FieldReader, ownValue } from "./fields.ts";
import { accepted, keyItem, rejectionWarning, withoutResponseContext } from "./keyed-item.ts";
import { membersFromClean } from "./member-list.ts";
import { resolveNormalizeOptions, type NormalizeOptions } from "./options.ts";
import { previewFromClean } from "./preview.ts";
import { applyPrivacy, collectEmails, hashEmailsDeep } from "./privacy.ts";
import type {
  ChatMemberRow,
  ChatRow,
  JsonObject,
  ListedChat,
  ListedViewpoint,
  MessagePreviewRow,
  Normalized,
} from "./rows.ts";
import { sanitizeJson } from "./sanitize.ts";
import { readViewpoint, VIEWPOINT_KEYS } from "./viewpoint.ts";

/** What the chat typings miss: the alternate viewpoint name and migration fields. */
type GraphChat = MicrosoftGraph.Chat & {
  chatViewpoint?: MicrosoftGraph.ChatViewpoint | null;
  migrationMode?: string | null;
  originalCreatedDateTime?: string | null;
};

/** Graph returns at most this many members in `$expand=members`. */
export const MEMBER_EXPANSION_LIMIT = 25;

/** What a listing item is read for when its chat is already loaded in the run. */
const VIEWPOINT_FIELDS: readonly string[] = ["lastUpdatedDateTime", ...VIEWPOINT_KEYS];

/** Keys that are not the chat itself: expansions and the per-user viewpoint. */
const NOT_CHAT_KEYS: readonly string[] = ["members", "lastMessagePreview", ...VIEWPOINT_KEYS];

export function normalizeListedChat(
  json: unknown,
  userId: string,
  options: Partial<NormalizeOptions> = {},
): Normalized<ListedChat> {
  const opts = resolveNormalizeOptions(options);
  const warnings: string[] = [];
  const clean = sanitizeJson(json, warnings);
  const keyed = keyItem(clean, "chat", userId, opts);
  if (!keyed.ok) return keyed;
  const { item, id: chatId } = keyed;
  const read = new FieldReader<GraphChat>(item, "", warnings);
  const lastUpdated = read.timestampAsSent("lastUpdatedDateTime");
  const meeting = readMeeting(read.object("onlineMeetingInfo"), warnings);
  const members = readMembers(item, chatId, opts, warnings);
  const preview = readPreview(item, chatId, opts, warnings);
  const chat: ChatRow = {
    chat_id: chatId,
    tenant_id: read.identifier("tenantId"),
    chat_type: read.string("chatType"),
    topic: read.string("topic"),
    web_url: read.string("webUrl"),
    created_at: read.timestamp("createdDateTime"),
    last_updated_at: lastUpdated?.value ?? null,
    last_updated_raw: lastUpdated?.sent ?? null,
    is_hidden_for_all_members: read.boolean("isHiddenForAllMembers"),
    migration_mode: read.string("migrationMode"),
    original_created_at: read.timestamp("originalCreatedDateTime"),
    ...meeting,
    last_message_id: preview?.message_id ?? null,
    last_message_at: preview?.created_at ?? null,
    raw: applyPrivacy(chatOnly(item), opts) as JsonObject,
  };
  const listed: ListedChat = {
    chat,
    viewpoint: readViewpoint(item, userId, chatId, warnings),
    members: members.rows,
    membersMayBeTruncated: members.mayBeTruncated,
    preview,
  };
  // A member's address can reappear elsewhere (a sender's or event member's display
  // name): hash it wherever it shows up in this chat's rows.
  return accepted(opts.hashEmails ? hashEmailsDeep(listed, collectEmails(item)) : listed, warnings);
}

/**
 * The cheap reading of a listed chat whose shared rows are already loaded (`isLoaded`
 * says which): only the viewpoint and `lastUpdatedDateTime` (the watermark and the
 * follow-up decisions need it), without copying or reading the rest of the item. A chat
 * sits in the listing of every member user, so on a tenant-wide run most items take
 * this path. Returns null when the item is not a keyable object of a loaded chat: the
 * caller normalizes it in full (which rejects it, or loads its shared rows).
 */
export function normalizeListedViewpoint(
  json: unknown,
  userId: string,
  isLoaded: (chatId: string) => boolean,
): { value: ListedViewpoint; warnings: string[] } | null {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return null;
  const item = json as JsonObject;
  const id = ownValue(item, "id");
  if (typeof id !== "string" || !isLoaded(id)) return null;
  const warnings: string[] = [];
  // Only the fields read here are copied (and cleaned of NUL and lone surrogates).
  const own: JsonObject = {};
  for (const key of VIEWPOINT_FIELDS) {
    const value = ownValue(item, key);
    if (value !== undefined) own[key] = sanitizeJson(value, warnings, key);
  }
  const lastUpdated = new FieldReader<GraphChat>(own, "", warnings).timestampAsSent(
    "lastUpdatedDateTime",
  );
  const value: ListedViewpoint = {
    chat_id: id,
    last_updated_raw: lastUpdated?.sent ?? null,
    viewpoint: readViewpoint(own, userId, id, warnings),
  };
  return { value, warnings };
}

type Meeting = Pick<
  ChatRow,
  "meeting_join_url" | "meeting_calendar_event_id" | "meeting_organizer_id"
>;

function readMeeting(info: JsonObject | null, warnings: string[]): Meeting {
  const read = new FieldReader<MicrosoftGraph.TeamworkOnlineMeetingInfo>(
    info ?? {},
    "onlineMeetingInfo",
    warnings,
  );
  const organizer = read.object("organizer");
  const readOrganizer = new FieldReader<MicrosoftGraph.TeamworkUserIdentity>(
    organizer ?? {},
    "onlineMeetingInfo.organizer",
    warnings,
  );
  return {
    meeting_join_url: read.string("joinWebUrl"),
    meeting_calendar_event_id: read.string("calendarEventId"),
    meeting_organizer_id: readOrganizer.identifier("id"),
  };
}

function readMembers(
  chat: JsonObject,
  chatId: string,
  options: NormalizeOptions,
  warnings: string[],
): { rows: ChatMemberRow[] | null; mayBeTruncated: boolean } {
  const items = ownValue(chat, "members") ?? null;
  if (items === null) return { rows: null, mayBeTruncated: false };
  if (!Array.isArray(items)) {
    warnings.push(
      `members: expected an array, got ${describeJson(items)}; treated as not expanded`,
    );
    return { rows: null, mayBeTruncated: false };
  }
  const { members } = membersFromClean(items, chatId, options, "members", warnings);
  // Graph cuts the expansion at 25; a next link (never seen, but cheap to honour) says so too.
  const hasNextLink = ownValue(chat, "members@odata.nextLink") !== undefined;
  return {
    rows: members,
    mayBeTruncated: items.length >= MEMBER_EXPANSION_LIMIT || hasNextLink,
  };
}

function readPreview(
  chat: JsonObject,
  chatId: string,
  options: NormalizeOptions,
  warnings: string[],
): MessagePreviewRow | null {
  const json = ownValue(chat, "lastMessagePreview") ?? null;
  if (json === null) return null;
  const result = previewFromClean(json, chatId, options, "lastMessagePreview", warnings);
  if (result.ok) return result.value;
  warnings.push(rejectionWarning("lastMessagePreview", result.rejected));
  return null;
}

/**
 * The chat as Graph sent it, without the expansions, the viewpoint, their `@odata.*`
 * annotations, and the response's `@odata.context` (it differs between list and get and
 * names the expansions, so keeping it would make an unchanged chat look changed).
 */
function chatOnly(item: JsonObject): JsonObject {
  return Object.fromEntries(
    Object.entries(withoutResponseContext(item)).filter(
      ([key]) => !NOT_CHAT_KEYS.some((k) => key === k || key.startsWith(`${k}@odata.`)),
    ),
  );
}
