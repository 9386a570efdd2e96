import type {
  ChatMemberRow,
  ChatOperationRow,
  ChatRow,
  ListedChat,
  MessagePreviewRow,
  UserChatRow,
} from "../../src/normalize/rows.ts";
import type { Kysely } from "kysely";
import {
  chatMembersWriter,
  chatOperationsWriter,
  followUpLoad,
  loadChatBatch,
  loadUserRows,
  type Database,
  type LoadOptions,
  type WriteCounts,
} from "../../src/load/index.ts";
import type { ListedViewpoint, Rejected } from "../../src/normalize/rows.ts";

export function chatRow(chatId: string, overrides: Partial<ChatRow> = {}): ChatRow {
  return {
    chat_id: chatId,
    tenant_id: "tenant-1",
    chat_type: "group",
    topic: `Topic of ${chatId}`,
    web_url: `https://teams.example/l/chat/${encodeURIComponent(chatId)}`,
    created_at: "2024-03-01T10:00:00.1234567Z",
    last_updated_at: "2024-03-02T10:00:00.51Z",
    last_updated_raw: "2024-03-02T10:00:00.51Z",
    is_hidden_for_all_members: false,
    migration_mode: null,
    original_created_at: null,
    meeting_join_url: null,
    meeting_calendar_event_id: null,
    meeting_organizer_id: null,
    last_message_id: `${chatId}-msg-1`,
    last_message_at: "2024-03-03T10:00:00Z",
    raw: { id: chatId, chatType: "group" },
    ...overrides,
  };
}

export function memberRow(
  chatId: string,
  membershipId: string,
  overrides: Partial<ChatMemberRow> = {},
): ChatMemberRow {
  return {
    chat_id: chatId,
    membership_id: membershipId,
    member_type: "aadUserConversationMember",
    user_id: `user-of-${membershipId}`,
    display_name: `Member ${membershipId}`,
    email: `${membershipId}@example.com`,
    tenant_id: "tenant-1",
    roles: ["owner"],
    visible_history_start_at: null,
    raw: { id: membershipId },
    ...overrides,
  };
}

export function viewpoint(
  userId: string,
  chatId: string,
  overrides: Partial<UserChatRow> = {},
): UserChatRow {
  return {
    user_id: userId,
    chat_id: chatId,
    is_hidden: false,
    last_message_read_at: "2024-03-03T09:00:00Z",
    ...overrides,
  };
}

export function previewRow(
  chatId: string,
  messageId: string,
  overrides: Partial<MessagePreviewRow> = {},
): MessagePreviewRow {
  return {
    chat_id: chatId,
    message_id: messageId,
    created_at: "2024-03-03T10:00:00Z",
    is_deleted: false,
    message_type: "message",
    body_content_type: "text",
    body_content: `Hello from ${messageId}`,
    from_kind: "user",
    from_user_id: "sender-1",
    from_application_id: null,
    from_identity_type: "aadUser",
    from_display_name: "Sender One",
    event_detail_type: null,
    event_detail: null,
    ...overrides,
  };
}

export function operationRow(
  chatId: string,
  operationId: string,
  overrides: Partial<ChatOperationRow> = {},
): ChatOperationRow {
  return {
    operation_id: operationId,
    chat_id: chatId,
    operation_type: "createChat",
    status: "inProgress",
    created_at: "2024-03-01T10:00:00Z",
    last_action_at: "2024-03-01T10:00:05Z",
    attempts_count: 1,
    target_resource_id: chatId,
    target_resource_location: `/chats('${chatId}')`,
    error_code: null,
    error_message: null,
    raw: { id: operationId },
    ...overrides,
  };
}

/** One chat as a user's listing shows it, with a complete (untruncated) member expansion. */
export function listed(
  userId: string,
  chatId: string,
  members: ChatMemberRow[] = [memberRow(chatId, "m1"), memberRow(chatId, "m2")],
  overrides: Partial<ListedChat> = {},
): ListedChat {
  return {
    chat: chatRow(chatId),
    viewpoint: viewpoint(userId, chatId),
    members,
    membersMayBeTruncated: false,
    preview: previewRow(chatId, `${chatId}-msg-1`),
    ...overrides,
  };
}

/**
 * A user's listing as the orchestrator loads it: its claimed chats' shared rows (with
 * their complete member lists and operations) in one chat batch, then the user's own rows
 * (the viewpoint of every chat listed, removals, rejects, watermarks) in the user's
 * transaction.
 */
export interface ListingInput {
  readonly runId: number;
  readonly userId: string;
  readonly seenAt: Date;
  readonly chats: readonly ListedChat[];
  /** Chats listed whose shared rows another user claimed: viewpoints only. */
  readonly viewpoints?: readonly ListedViewpoint[];
  /** Complete member lists: absent members are marked removed (and the chat marked). */
  readonly completeMembers: ReadonlyMap<string, readonly ChatMemberRow[]>;
  readonly operations: readonly ChatOperationRow[];
  readonly rejects: readonly Rejected[];
  readonly watermarks?: ReadonlyMap<string, string>;
  readonly mayHaveRows?: boolean;
}

/**
 * A listing input where every non-truncated expansion counts as a complete member list
 * (as the members stream makes it) and no watermark moves.
 */
export function userInput(
  runId: number,
  userId: string,
  chats: ListedChat[],
  overrides: Partial<ListingInput> = {},
): ListingInput {
  const completeMembers = new Map<string, ChatMemberRow[]>();
  for (const c of chats) {
    if (c.members && !c.membersMayBeTruncated) completeMembers.set(c.chat.chat_id, c.members);
  }
  return {
    runId,
    userId,
    seenAt: new Date("2024-04-01T00:00:00Z"),
    chats,
    completeMembers,
    operations: [],
    rejects: [],
    ...overrides,
  };
}

type Counts = Omit<WriteCounts, "removed">;

export interface ListingResult {
  readonly chats: Counts;
  readonly chat_members: WriteCounts;
  readonly user_chats: WriteCounts;
  readonly message_previews: Counts;
  readonly chat_operations: Counts;
  readonly rejects: number;
  readonly watermarkAdvanced: boolean;
  /** Rows inserted, changed or marked removed by both transactions. */
  readonly rowsWritten: number;
}

/** The two transactions production runs for a listing (see ListingInput). */
export async function loadListing(
  db: Kysely<Database>,
  input: ListingInput,
  options: LoadOptions = {},
): Promise<ListingResult> {
  const at = input.chats.map((c) => [c.chat.chat_id, c.chat.last_updated_raw] as const);
  const operationsByChat = new Map<string, ChatOperationRow[]>();
  for (const op of input.operations) {
    operationsByChat.set(op.chat_id, [...(operationsByChat.get(op.chat_id) ?? []), op]);
  }
  const batch = await loadChatBatch(
    db,
    {
      runId: input.runId,
      userId: input.userId,
      seenAt: input.seenAt,
      chats: input.chats,
      followUps: [
        followUpLoad(
          "members",
          chatMembersWriter,
          input.completeMembers,
          new Map(at.filter(([id]) => input.completeMembers.has(id))),
        ),
        followUpLoad("operations", chatOperationsWriter, operationsByChat, new Map()),
      ],
      rejects: [],
    },
    options,
  );
  const user = await loadUserRows(
    db,
    {
      runId: input.runId,
      userId: input.userId,
      seenAt: input.seenAt,
      viewpoints: [
        ...input.chats.map((c) => ({
          chat_id: c.chat.chat_id,
          last_updated_raw: c.chat.last_updated_raw,
          viewpoint: c.viewpoint,
        })),
        ...(input.viewpoints ?? []),
      ],
      rejects: input.rejects,
      watermarks: input.watermarks ?? new Map(),
      mayHaveRows: input.mayHaveRows ?? true,
    },
    options,
  );
  const zero = { inserted: 0, updated: 0, removed: 0 };
  const counts = ({ inserted, updated }: WriteCounts): Counts => ({ inserted, updated });
  const tables = { ...batch.tables, ...user.tables };
  const all = Object.values(tables);
  return {
    chats: counts(tables.chats ?? zero),
    chat_members: tables.chat_members ?? zero,
    user_chats: tables.user_chats ?? zero,
    message_previews: counts(tables.message_previews ?? zero),
    chat_operations: counts(tables.chat_operations ?? zero),
    rejects: batch.rejects + user.rejects,
    watermarkAdvanced: user.watermarkAdvanced,
    rowsWritten: all.reduce((n, t) => n + t.inserted + t.updated + t.removed, 0),
  };
}
