/**
 * The rows the normalizers produce and the loaders write. Keys are the warehouse's
 * column names (schema `teams`, see docs/design.md), so a row goes to its table unchanged.
 *
 * Timestamps are ISO 8601 strings as Graph sent them (0 to 7 fractional digits), or
 * null where Graph sent nothing or its `0001-01-01T00:00:00Z` "never" sentinel;
 * Postgres parses them into timestamptz. Enum-like values are the text Graph sent,
 * unknown future values included. `@odata.type` values lose the `#microsoft.graph.`
 * prefix. Bookkeeping columns (`first_seen_at`, `last_seen_at`, `removed_at`,
 * `deleted_at`) are the loader's business and are not part of these rows.
 */

export type Timestamp = string;

/** A JSON value as parsed from Graph (what a jsonb column holds). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface ChatRow {
  chat_id: string;
  tenant_id: string | null;
  chat_type: string | null;
  topic: string | null;
  web_url: string | null;
  created_at: Timestamp | null;
  last_updated_at: Timestamp | null;
  /** lastUpdatedDateTime exactly as Graph sent it (7 fractional digits survive). */
  last_updated_raw: string | null;
  is_hidden_for_all_members: boolean | null;
  migration_mode: string | null;
  original_created_at: Timestamp | null;
  meeting_join_url: string | null;
  meeting_calendar_event_id: string | null;
  meeting_organizer_id: string | null;
  last_message_id: string | null;
  last_message_at: Timestamp | null;
  /** The chat as Graph sent it, without expansions and without the per-user viewpoint. */
  raw: JsonObject;
}

export interface ChatMemberRow {
  chat_id: string;
  membership_id: string;
  /** `@odata.type` without prefix, e.g. `aadUserConversationMember`. */
  member_type: string | null;
  user_id: string | null;
  display_name: string | null;
  email: string | null;
  tenant_id: string | null;
  roles: string[];
  visible_history_start_at: Timestamp | null;
  /** The member as Graph sent it (keeps subtype fields: anonymousGuestId, skypeId, phoneNumber...). */
  raw: JsonObject;
}

/** One user's viewpoint of one chat (Graph's `viewpoint` or `chatViewpoint`). */
export interface UserChatRow {
  user_id: string;
  chat_id: string;
  is_hidden: boolean | null;
  last_message_read_at: Timestamp | null;
}

export interface MessagePreviewRow {
  chat_id: string;
  message_id: string;
  created_at: Timestamp | null;
  is_deleted: boolean | null;
  message_type: string | null;
  body_content_type: string | null;
  body_content: string | null;
  /** Which identity sent it: `user`, `application`, `device`, or null (system messages). */
  from_kind: string | null;
  from_user_id: string | null;
  from_application_id: string | null;
  /** userIdentityType / applicationIdentityType (`aadUser`, `bot`, `tenantBot`, ...). */
  from_identity_type: string | null;
  from_display_name: string | null;
  event_detail_type: string | null;
  event_detail: JsonObject | null;
}

export interface ChatOperationRow {
  operation_id: string;
  chat_id: string;
  operation_type: string | null;
  status: string | null;
  created_at: Timestamp | null;
  last_action_at: Timestamp | null;
  attempts_count: number | null;
  target_resource_id: string | null;
  target_resource_location: string | null;
  error_code: string | null;
  error_message: string | null;
  raw: JsonObject;
}

/** Everything one item of a user's chat listing yields. */
/**
 * A listed chat whose shared rows (the chat, its members, its preview) another user
 * already committed in the same run: only what belongs to the listing user is kept.
 */
export interface ListedViewpoint {
  chat_id: string;
  /** lastUpdatedDateTime as Graph sent it; null when missing or unreadable. */
  last_updated_raw: string | null;
  /** Null when the listing carried no viewpoint. */
  viewpoint: UserChatRow | null;
}

export interface ListedChat {
  chat: ChatRow;
  /** Null when the listing carried no viewpoint. */
  viewpoint: UserChatRow | null;
  /** The `members` expansion, or null when it was not expanded. */
  members: ChatMemberRow[] | null;
  /**
   * True when the expansion may be cut: Graph returns at most 25 members there, so a
   * list of exactly 25 (or more) must be completed with GET /chats/{id}/members.
   */
  membersMayBeTruncated: boolean;
  /** Null when the chat has no message (or the preview was not expanded). */
  preview: MessagePreviewRow | null;
}

/** An item the normalizer could not turn into rows; it goes to a dead-letter record. */
export interface Rejected {
  /** What kind of item: `chat`, `member`, `operation`, `user`. */
  kind: string;
  /** Where it came from, e.g. a user id or chat id, for finding it again. */
  context: string;
  /** What was wrong, e.g. `missing id`, `createdDateTime is not a timestamp`. */
  reason: string;
  raw: unknown;
}

export type Normalized<T> =
  { ok: true; value: T; warnings: string[] } | { ok: false; rejected: Rejected };

/** One `chatMessage` of a chat (`GET /chats/{id}/messages`, `getAllMessages`). */
export interface ChatMessageRow {
  chat_id: string;
  message_id: string;
  /** message, chatEvent, typing, systemEventMessage, unknownFutureValue, ... as sent. */
  message_type: string | null;
  created_at: Timestamp | null;
  last_modified_at: Timestamp | null;
  /** lastModifiedDateTime exactly as Graph sent it (0 to 7 fractional digits). */
  last_modified_raw: string | null;
  last_edited_at: Timestamp | null;
  deleted_at: Timestamp | null;
  subject: string | null;
  importance: string | null;
  etag: string | null;
  web_url: string | null;
  /** Which identity sent it: `user`, `application`, `device`, or null (system messages). */
  from_kind: string | null;
  from_user_id: string | null;
  from_application_id: string | null;
  from_display_name: string | null;
  /** userIdentityType / applicationIdentityType (`aadUser`, `anonymousGuest`, `bot`, ...). */
  from_identity_type: string | null;
  body_content_type: string | null;
  /** Null when message bodies are not kept. */
  body_content: string | null;
  /** The body as plain text (HTML bodies parsed); null when bodies are not kept. */
  body_text: string | null;
  event_detail_type: string | null;
  event_detail: JsonObject | null;
  policy_violation: JsonObject | null;
  /** The message as Graph sent it, without response annotations (`@odata.context`, tips). */
  raw: JsonObject;
}

export interface ChatMessageMentionRow {
  chat_id: string;
  message_id: string;
  /** Graph's Int32 mention id, matching `<at id="N">` in the body. */
  mention_id: number;
  mention_text: string | null;
  /** user, application, conversation, tag (or device): which identity was mentioned. */
  mentioned_kind: string | null;
  mentioned_id: string | null;
  mentioned_display_name: string | null;
}

export interface ChatMessageReactionRow {
  chat_id: string;
  message_id: string;
  user_id: string;
  /** A Unicode emoji, `custom`, or a legacy name (`like`, `heart`, ...), as sent. */
  reaction_type: string;
  /** The reaction's own displayName (e.g. a custom reaction's name), not the user's. */
  display_name: string | null;
  created_at: Timestamp | null;
  reaction_content_url: string | null;
}

export interface ChatMessageAttachmentRow {
  chat_id: string;
  message_id: string;
  attachment_id: string;
  content_type: string | null;
  content_url: string | null;
  name: string | null;
  thumbnail_url: string | null;
  teams_app_id: string | null;
  /** Cards' JSON, a forwarded message...; null when message bodies are not kept. */
  content: string | null;
}

/** A message with its current sets of mentions, reactions and attachments. */
export interface NormalizedChatMessage {
  message: ChatMessageRow;
  mentions: ChatMessageMentionRow[];
  reactions: ChatMessageReactionRow[];
  attachments: ChatMessageAttachmentRow[];
}
