/**
 * What the warehouse must hold after syncing the simulator, computed from its ground
 * truth (`Simulator.state()`) without src/normalize: the mapping from Graph's model to
 * the columns of docs/design.md is written out again here, so a normalizer bug shows up as a
 * difference instead of being copied into the expectation.
 */
import type {
  SimChatState,
  SimMember,
  SimOperation,
  SimPreview,
  SimState,
} from "../../src/sim/index.ts";
import type { Json, JsonObject } from "../../src/normalize/rows.ts";
import type { Stream } from "../../src/sync/ports.ts";
import { pgInstant } from "./pg-instant.ts";
import {
  DATA_TABLES,
  rowKey,
  sortByKey,
  type ChatState,
  type DataTable,
  type MemberState,
  type OperationState,
  type PreviewState,
  type UserChatState,
  type WarehouseSnapshot,
} from "./warehouse-snapshot.ts";

const ODATA_PREFIX = "#microsoft.graph.";
const NEVER = "0001-01-01T00:00:00Z";

export interface ExpectedScope {
  /** The users synced (ids); default every user of the tenant. */
  readonly users?: readonly string[];
  /** The streams synced; default all four. */
  readonly streams?: ReadonlySet<Stream>;
  /**
   * The warehouse expected after the previous sync. Rows it has that the tenant no longer
   * shows stay, marked: chats gone from every synced listing `deleted`, members gone from
   * a chat that is still listed and user_chats gone from a listing `removed`; previews and
   * operations are kept as they were, and so are the members of a chat nobody lists.
   */
  readonly previous?: WarehouseSnapshot;
}

export function expectedWarehouse(state: SimState, scope: ExpectedScope = {}): WarehouseSnapshot {
  const users = new Set(scope.users ?? state.users.map((u) => u.id));
  const streams = scope.streams ?? new Set<Stream>(["chats", "members", "previews", "operations"]);
  const listed = state.chats.filter((chat) =>
    Object.keys(chat.viewpoints).some((u) => users.has(u)),
  );
  const current: WarehouseSnapshot = {
    chats: listed.map(chatRow),
    chat_members: streams.has("members")
      ? listed.flatMap((c) => c.members.map((m) => memberRow(c.id, m)))
      : [],
    user_chats: listed.flatMap((chat) =>
      Object.entries(chat.viewpoints)
        .filter(([userId]) => users.has(userId))
        .map(([userId, viewpoint]): UserChatState => ({
          user_id: userId,
          chat_id: chat.id,
          is_hidden: viewpoint.isHidden,
          last_message_read_at: pgInstant(viewpoint.lastMessageReadDateTime),
          removed: false,
        })),
    ),
    message_previews: streams.has("previews")
      ? listed.flatMap((c) =>
          c.lastMessagePreview ? [previewRow(c.id, c.lastMessagePreview)] : [],
        )
      : [],
    chat_operations: streams.has("operations")
      ? listed.flatMap((c) => c.operations.map((op) => operationRow(c.id, op)))
      : [],
  };
  const listedIds = new Set(listed.map((c) => c.id));
  const previous = scope.previous;
  const merged: WarehouseSnapshot = {
    chats: keepPrevious("chats", current.chats, previous?.chats, (row) => ({
      ...row,
      deleted: true,
    })),
    chat_members: keepPrevious(
      "chat_members",
      current.chat_members,
      previous?.chat_members,
      (row) => (listedIds.has(row.chat_id) ? { ...row, removed: true } : row),
    ),
    user_chats: keepPrevious("user_chats", current.user_chats, previous?.user_chats, (row) => ({
      ...row,
      removed: true,
    })),
    message_previews: keepPrevious(
      "message_previews",
      current.message_previews,
      previous?.message_previews,
      (row) => row,
    ),
    chat_operations: keepPrevious(
      "chat_operations",
      current.chat_operations,
      previous?.chat_operations,
      (row) => row,
    ),
  };
  for (const table of DATA_TABLES) assertUniqueKeys(table, merged[table]);
  return merged;
}

/** Current rows, plus the previous rows whose key is gone, as `gone` says they now look. */
function keepPrevious<T extends object>(
  table: DataTable,
  current: readonly T[],
  previous: readonly T[] | undefined,
  gone: (row: T) => T,
): T[] {
  const keys = new Set(current.map((row) => rowKey(table, row)));
  const kept = (previous ?? []).filter((row) => !keys.has(rowKey(table, row))).map(gone);
  return sortByKey(table, [...current, ...kept]);
}

function assertUniqueKeys(table: DataTable, rows: readonly object[]): void {
  const keys = new Set(rows.map((row) => rowKey(table, row)));
  if (keys.size !== rows.length) throw new Error(`expected ${table} has duplicate keys`);
}

function chatRow(chat: SimChatState): ChatState {
  const preview = chat.lastMessagePreview;
  return {
    chat_id: chat.id,
    tenant_id: chat.tenantId,
    chat_type: chat.chatType,
    topic: chat.topic,
    web_url: chat.webUrl,
    created_at: pgInstant(chat.createdDateTime),
    last_updated_at: pgInstant(chat.lastUpdatedDateTime),
    last_updated_raw: chat.lastUpdatedDateTime,
    is_hidden_for_all_members: chat.isHiddenForAllMembers,
    migration_mode: chat.migrationMode,
    original_created_at: pgInstant(chat.originalCreatedDateTime),
    meeting_join_url: chat.onlineMeetingInfo?.joinWebUrl ?? null,
    meeting_calendar_event_id: chat.onlineMeetingInfo?.calendarEventId ?? null,
    meeting_organizer_id: chat.onlineMeetingInfo?.organizer.id ?? null,
    last_message_id: preview?.id ?? null,
    last_message_at: pgInstant(preview?.createdDateTime ?? null),
    // The chat as Graph sends it: the model's wire fields, without the expansions, the
    // per-user viewpoint and the simulator's own bookkeeping.
    raw: toJson({
      id: chat.id,
      topic: chat.topic,
      createdDateTime: chat.createdDateTime,
      lastUpdatedDateTime: chat.lastUpdatedDateTime,
      chatType: chat.chatType,
      webUrl: chat.webUrl,
      tenantId: chat.tenantId,
      onlineMeetingInfo: chat.onlineMeetingInfo,
      isHiddenForAllMembers: chat.isHiddenForAllMembers,
      migrationMode: chat.migrationMode,
      originalCreatedDateTime: chat.originalCreatedDateTime,
    }),
    deleted: false,
  };
}

function memberRow(chatId: string, member: SimMember): MemberState {
  const { type, ...fields } = member;
  return {
    chat_id: chatId,
    membership_id: member.id,
    member_type: type,
    user_id: "userId" in member ? member.userId : null,
    display_name: member.displayName,
    email: "email" in member ? member.email : null,
    tenant_id: "tenantId" in member ? member.tenantId : null,
    roles: [...member.roles],
    visible_history_start_at: pgInstant(member.visibleHistoryStartDateTime),
    raw: toJson({ "@odata.type": `${ODATA_PREFIX}${type}`, ...fields }),
    removed: false,
  };
}

function previewRow(chatId: string, preview: SimPreview): PreviewState {
  const from = preview.from;
  const sender = from?.user
    ? { kind: "user", identity: from.user, type: from.user.userIdentityType }
    : from?.application
      ? {
          kind: "application",
          identity: from.application,
          type: from.application.applicationIdentityType,
        }
      : from?.device
        ? { kind: "device", identity: from.device, type: null }
        : null;
  const detailType = preview.eventDetail?.["@odata.type"];
  return {
    chat_id: chatId,
    message_id: preview.id,
    created_at: pgInstant(preview.createdDateTime),
    is_deleted: preview.isDeleted,
    message_type: preview.messageType,
    body_content_type: preview.body.contentType,
    body_content: preview.body.content,
    from_kind: sender?.kind ?? null,
    from_user_id: sender?.kind === "user" ? sender.identity.id : null,
    from_application_id: sender?.kind === "application" ? sender.identity.id : null,
    from_identity_type: sender?.type ?? null,
    from_display_name: sender?.identity.displayName ?? null,
    event_detail_type: detailType === undefined ? null : detailType.replace(ODATA_PREFIX, ""),
    event_detail: preview.eventDetail === null ? null : neverAsNull(toJson(preview.eventDetail)),
  };
}

function operationRow(chatId: string, op: SimOperation): OperationState {
  return {
    operation_id: op.id,
    chat_id: chatId,
    // Asked for with `Prefer: include-unknown-enum-members`, so beta's values survive.
    operation_type: op.operationType,
    status: op.status,
    created_at: pgInstant(op.createdDateTime),
    last_action_at: pgInstant(op.lastActionDateTime),
    attempts_count: op.attemptsCount,
    target_resource_id: op.targetResourceId,
    target_resource_location: op.targetResourceLocation,
    error_code: op.error?.code ?? null,
    error_message: op.error?.message ?? null,
    raw: toJson({ ...op }),
  };
}

/** The sentinel is NULL everywhere, inside event details too (`visibleHistoryStartDateTime`). */
function neverAsNull(json: Json): Json {
  if (Array.isArray(json)) return json.map(neverAsNull);
  if (json === null || typeof json !== "object") return json;
  return Object.fromEntries(
    Object.entries(json).map(([key, value]) => [
      key,
      key.endsWith("DateTime") && value === NEVER ? null : neverAsNull(value),
    ]),
  );
}

function toJson(value: object): JsonObject {
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}
