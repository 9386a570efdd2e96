import type { ColumnType, Generated } from "kysely";
import type { Json, JsonObject } from "../normalize/rows.ts";

/**
 * The warehouse as Kysely sees it (schema `teams`, see migrations/ and docs/design.md).
 * Table keys are schema-qualified so every query names its schema.
 */

/** timestamptz: pg reads it as a Date; written as a Date or an ISO string. */
export type Timestamptz = ColumnType<Date, Date | string, Date | string>;
export type NullableTimestamptz = ColumnType<
  Date | null,
  Date | string | null,
  Date | string | null
>;
/** timestamptz with a database default (now()). */
export type DefaultTimestamptz = ColumnType<Date, Date | string | undefined, Date | string>;
/** jsonb: read as parsed JSON; written as JSON text (pg would turn a JS array into a Postgres array). */
export type Jsonb<T extends Json = Json> = ColumnType<T, string, string>;
export type NullableJsonb<T extends Json = Json> = ColumnType<
  T | null,
  string | null,
  string | null
>;
/** bigint identity: the pool parses int8 as a JS number (see connect.ts). */
export type Identity = ColumnType<number, never, never>;

export interface ChatsTable {
  chat_id: string;
  tenant_id: string | null;
  chat_type: string | null;
  topic: string | null;
  web_url: string | null;
  created_at: NullableTimestamptz;
  last_updated_at: NullableTimestamptz;
  last_updated_raw: string | null;
  is_hidden_for_all_members: boolean | null;
  migration_mode: string | null;
  original_created_at: NullableTimestamptz;
  meeting_join_url: string | null;
  meeting_calendar_event_id: string | null;
  meeting_organizer_id: string | null;
  last_message_id: string | null;
  last_message_at: NullableTimestamptz;
  raw: Jsonb<JsonObject>;
  first_seen_at: Timestamptz;
  last_seen_at: Timestamptz;
  deleted_at: NullableTimestamptz;
  members_synced_raw: ColumnType<string | null, string | null | undefined, string | null>;
  operations_synced_raw: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface ChatMembersTable {
  chat_id: string;
  membership_id: string;
  member_type: string | null;
  user_id: string | null;
  display_name: string | null;
  email: string | null;
  tenant_id: string | null;
  roles: ColumnType<string[], string[] | undefined, string[]>;
  visible_history_start_at: NullableTimestamptz;
  raw: Jsonb<JsonObject>;
  first_seen_at: Timestamptz;
  last_seen_at: Timestamptz;
  removed_at: NullableTimestamptz;
}

export interface UserChatsTable {
  user_id: string;
  chat_id: string;
  /** The tenant (see migration 2026-12-07T14-00): the column default is 'default'. */
  tenant: Generated<string>;
  is_hidden: boolean | null;
  last_message_read_at: NullableTimestamptz;
  first_seen_at: Timestamptz;
  last_seen_at: Timestamptz;
  removed_at: NullableTimestamptz;
}

export interface MessagePreviewsTable {
  chat_id: string;
  message_id: string;
  created_at: NullableTimestamptz;
  is_deleted: boolean | null;
  message_type: string | null;
  body_content_type: string | null;
  body_content: string | null;
  from_kind: string | null;
  from_user_id: string | null;
  from_application_id: string | null;
  from_identity_type: string | null;
  from_display_name: string | null;
  event_detail_type: string | null;
  event_detail: NullableJsonb<JsonObject>;
  first_seen_at: Timestamptz;
  last_seen_at: Timestamptz;
}

export interface ChatOperationsTable {
  operation_id: string;
  chat_id: string;
  operation_type: string | null;
  status: string | null;
  created_at: NullableTimestamptz;
  last_action_at: NullableTimestamptz;
  attempts_count: number | null;
  target_resource_id: string | null;
  target_resource_location: string | null;
  error_code: string | null;
  error_message: string | null;
  raw: Jsonb<JsonObject>;
  first_seen_at: Timestamptz;
  last_seen_at: Timestamptz;
}

export type RunTrigger = "manual" | "cron" | "backfill";
export type RunStatus = "running" | "succeeded" | "partial" | "failed";
export type RunUserStatus = "running" | "succeeded" | "failed";
export type RunExecutor = "process" | "workers";
export type RunJobStatus = "done" | "retrying" | "failed";

export interface SyncRunsTable {
  run_id: Identity;
  started_at: DefaultTimestamptz;
  finished_at: NullableTimestamptz;
  trigger: RunTrigger;
  status: Generated<RunStatus>;
  users_total: Generated<number>;
  users_succeeded: Generated<number>;
  users_failed: Generated<number>;
  chats_seen: Generated<number>;
  requests: Generated<number>;
  throttled: Generated<number>;
  rows_written: Generated<number>;
  rejects: Generated<number>;
  streams: ColumnType<string[], string[] | undefined, string[]>;
  options: ColumnType<JsonObject, string | undefined, string>;
  error: string | null;
  pid: number | null;
  host: string | null;
  /** Chosen by the starting process, so that a retried start finds its run. */
  start_key: string | null;
  /** The tenant (see migration 2026-12-07T14-00): the column default is 'default'. */
  tenant: Generated<string>;
  /** process: one process ran it; workers: jobs on worker processes. */
  executor: ColumnType<RunExecutor, RunExecutor | undefined, RunExecutor>;
  /** Batch jobs of a run of the workers (NULL until planned, and for a run of one process). */
  jobs_total: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface SyncWatermarksTable {
  stream: string;
  user_id: string;
  /** The tenant (see migration 2026-12-07T14-00): the column default is 'default'. */
  tenant: Generated<string>;
  watermark: NullableTimestamptz;
  watermark_raw: string | null;
  run_id: number | null;
  updated_at: DefaultTimestamptz;
}

export interface SyncFailuresTable {
  id: Identity;
  run_id: number;
  /** The tenant (see migration 2026-12-07T14-00): the column default is 'default'. */
  tenant: Generated<string>;
  user_id: string | null;
  stream: string | null;
  http_status: number | null;
  error: string;
  error_code: string | null;
  request_id: string | null;
  at: DefaultTimestamptz;
}

export interface SyncRejectsTable {
  id: Identity;
  run_id: number;
  /** The tenant (see migration 2026-12-07T14-00): the column default is 'default'. */
  tenant: Generated<string>;
  user_id: string | null;
  kind: string;
  context: string;
  reason: string;
  raw: NullableJsonb;
  at: DefaultTimestamptz;
}

export interface SyncRunUsersTable {
  run_id: number;
  user_id: string;
  /** The tenant (see migration 2026-12-07T14-00): the column default is 'default'. */
  tenant: Generated<string>;
  status: RunUserStatus;
  started_at: DefaultTimestamptz;
  finished_at: NullableTimestamptz;
  chats_seen: number | null;
  rows_written: number | null;
  error: string | null;
}

// Chat messages (migration 2026-12-07T12-00_create-chat-messages).

export interface ChatMessagesTable {
  chat_id: string;
  message_id: string;
  message_type: string | null;
  created_at: NullableTimestamptz;
  last_modified_at: NullableTimestamptz;
  last_modified_raw: string | null;
  last_edited_at: NullableTimestamptz;
  deleted_at: NullableTimestamptz;
  subject: string | null;
  importance: string | null;
  etag: string | null;
  web_url: string | null;
  from_kind: string | null;
  from_user_id: string | null;
  from_application_id: string | null;
  from_display_name: string | null;
  from_identity_type: string | null;
  body_content_type: string | null;
  body_content: string | null;
  body_text: string | null;
  event_detail_type: string | null;
  event_detail: NullableJsonb<JsonObject>;
  policy_violation: NullableJsonb<JsonObject>;
  raw: Jsonb<JsonObject>;
  first_seen_at: Timestamptz;
  last_seen_at: Timestamptz;
}

export interface ChatMessageMentionsTable {
  chat_id: string;
  message_id: string;
  mention_id: number;
  mention_text: string | null;
  mentioned_kind: string | null;
  mentioned_id: string | null;
  mentioned_display_name: string | null;
}

export interface ChatMessageReactionsTable {
  chat_id: string;
  message_id: string;
  user_id: string;
  reaction_type: string;
  display_name: string | null;
  created_at: NullableTimestamptz;
  reaction_content_url: string | null;
}

export interface ChatMessageAttachmentsTable {
  chat_id: string;
  message_id: string;
  attachment_id: string;
  content_type: string | null;
  content_url: string | null;
  name: string | null;
  thumbnail_url: string | null;
  teams_app_id: string | null;
  content: string | null;
}

/** View: messages per chat per day (read only). Counts are bigint, read as numbers. */
export interface ChatMessagesDailyView {
  chat_id: string;
  chat_type: string | null;
  day: ColumnType<Date, never, never>;
  messages: ColumnType<number, never, never>;
  senders: ColumnType<number, never, never>;
  deleted_messages: ColumnType<number, never, never>;
  system_events: ColumnType<number, never, never>;
  first_message_at: ColumnType<Date | null, never, never>;
  last_message_at: ColumnType<Date | null, never, never>;
}

/** View: reply times in one-on-one chats (read only). */
export interface OneOnOneReplyTimesView {
  chat_id: string;
  message_id: string;
  sender_id: string;
  sent_at: ColumnType<Date, never, never>;
  starts_turn: boolean;
  ends_turn: boolean;
  reply_message_id: string | null;
  replier_id: string | null;
  replied_at: ColumnType<Date | null, never, never>;
  reply_delay: ColumnType<unknown, never, never>;
  reply_seconds: ColumnType<number | null, never, never>;
}

export interface ChatMessageTables {
  "teams.chat_messages": ChatMessagesTable;
  "teams.chat_message_mentions": ChatMessageMentionsTable;
  "teams.chat_message_reactions": ChatMessageReactionsTable;
  "teams.chat_message_attachments": ChatMessageAttachmentsTable;
  "teams.chat_messages_daily": ChatMessagesDailyView;
  "teams.one_on_one_reply_times": OneOnOneReplyTimesView;
}

/** The run lock (see src/schedule/run-lock.ts); token NULL = free. */
/** Where each message source stands (see message-cursors.ts). */
export interface SyncMessageCursorsTable {
  scope: "chat" | "user";
  id: string;
  /** The tenant (see migration 2026-12-07T14-00): the column default is 'default'. */
  tenant: Generated<string>;
  last_modified_raw: string | null;
  delta_link: string | null;
  read_at: Timestamptz;
  run_id: number | null;
  updated_at: Generated<Date>;
}

export interface SyncLocksTable {
  name: string;
  token: string | null;
  holder_pid: number | null;
  holder_host: string | null;
  backend_pid: number | null;
  backend_start: NullableTimestamptz;
  acquired_at: NullableTimestamptz;
  heartbeat_at: NullableTimestamptz;
}

/** One row per attempt of a run's batch job (see src/queue). */
export interface SyncRunJobsTable {
  run_id: number;
  batch: number;
  attempt: number;
  tenant: Generated<string>;
  status: RunJobStatus;
  users: Generated<number>;
  users_succeeded: Generated<number>;
  users_failed: Generated<number>;
  chats_seen: Generated<number>;
  requests: Generated<number>;
  throttled: Generated<number>;
  rows_written: Generated<number>;
  rejects: Generated<number>;
  error: string | null;
  job_id: string | null;
  worker_id: string | null;
  host: string | null;
  pid: number | null;
  started_at: NullableTimestamptz;
  finished_at: DefaultTimestamptz;
}

/** Worker processes and their heartbeats (see src/queue/heartbeat.ts). */
export interface SyncWorkersTable {
  process_id: string;
  host: string;
  pid: number;
  pool_ids: ColumnType<string[], string[] | undefined, string[]>;
  concurrency: number;
  dead_after_seconds: number;
  started_at: DefaultTimestamptz;
  heartbeat_at: DefaultTimestamptz;
}

export interface Database extends ChatMessageTables {
  "teams.chats": ChatsTable;
  "teams.chat_members": ChatMembersTable;
  "teams.user_chats": UserChatsTable;
  "teams.message_previews": MessagePreviewsTable;
  "teams.chat_operations": ChatOperationsTable;
  "teams.sync_runs": SyncRunsTable;
  "teams.sync_watermarks": SyncWatermarksTable;
  "teams.sync_failures": SyncFailuresTable;
  "teams.sync_rejects": SyncRejectsTable;
  "teams.sync_run_users": SyncRunUsersTable;
  "teams.sync_locks": SyncLocksTable;
  "teams.sync_message_cursors": SyncMessageCursorsTable;
  "teams.sync_run_jobs": SyncRunJobsTable;
  "teams.sync_workers": SyncWorkersTable;
}
