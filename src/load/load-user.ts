import type { Kysely } from "kysely";
import type {
  ChatMemberRow,
  ChatOperationRow,
  ListedChat,
  ListedViewpoint,
  MessagePreviewRow,
  Rejected,
} from "../normalize/rows.ts";
import { advanceWatermarks, type WatermarkInput } from "./advance-watermark.ts";
import { writeFollowUpMarks, type FollowUpMarksInput } from "./follow-up-marks.ts";
import { insertRejects } from "./insert-rejects.ts";
import { markRemovedMembers } from "./mark-removed-members.ts";
import { markRemovedUserChats } from "./mark-removed-user-chats.ts";
import {
  DEFAULT_DATABASE_RETRY,
  withRetry,
  type RetryHooks,
  type RetryPolicy,
  type Sleep,
} from "./retryable.ts";
import { fencedTransaction, type RunFence } from "./run-fence.ts";
import { markUserSucceeded } from "./run-users.ts";
import type { Database } from "./schema.ts";
import { upsertChatMembers } from "./upsert-chat-members.ts";
import { upsertChatOperations } from "./upsert-chat-operations.ts";
import { upsertChats } from "./upsert-chats.ts";
import { upsertMessagePreviews } from "./upsert-message-previews.ts";
import type { UpsertOptions, WriteCount } from "./upsert-rows.ts";
import { upsertUserChats } from "./upsert-user-chats.ts";

export interface UserLoadInput {
  readonly runId: number;
  readonly userId: string;
  /** When the user's listing was read: first_seen_at / last_seen_at / removed_at. */
  readonly seenAt: Date;
  readonly chats: readonly ListedChat[];
  /**
   * More listed chats, read only for this user's viewpoint (their shared rows were
   * committed by another user earlier in the run). Part of the listing all the same:
   * their user_chats rows are written and they count as listed.
   */
  readonly viewpoints?: readonly ListedViewpoint[];
  /**
   * Chats whose member list is known complete (a non-truncated expansion or a full
   * GET /members): members absent from it are marked removed. Other chats' expanded
   * members are upserted only, never used to remove anyone.
   */
  readonly completeMembers: ReadonlyMap<string, readonly ChatMemberRow[]>;
  readonly operations: readonly ChatOperationRow[];
  readonly rejects: readonly Rejected[];
  /** The whole listing was read: chats absent from it are no longer the user's. */
  readonly listingComplete: boolean;
  readonly watermark: WatermarkInput | null;
  /** More watermarks (other streams), committed in the same transaction. */
  readonly watermarks?: readonly WatermarkInput[];
  /**
   * Chats whose follow-up this transaction loads, with the lastUpdatedDateTime it was
   * loaded at: the next run skips them while the listing shows the same value.
   */
  readonly followUpMarks?: FollowUpMarksInput;
  /** False when the user's user_chats rows are almost surely new (UpsertOptions.mayExist). */
  readonly userChatsMayExist?: boolean;
}

export interface TableWrites extends WriteCount {
  /** Rows marked removed (removed_at set). */
  readonly removed: number;
}

export interface UserLoadResult {
  readonly chats: WriteCount;
  readonly chat_members: TableWrites;
  readonly user_chats: TableWrites;
  readonly message_previews: WriteCount;
  readonly chat_operations: WriteCount;
  readonly rejects: number;
  /** Whether any watermark moved. */
  readonly watermarkAdvanced: boolean;
  /** Warehouse rows inserted, changed or marked removed: 0 when nothing changed. */
  readonly rowsWritten: number;
  /** Transactions tried (more than 1 after a retryable error). */
  readonly attempts: number;
}

export interface UserLoadOptions extends UpsertOptions {
  readonly retry?: RetryPolicy;
  readonly sleep?: Sleep;
  readonly onRetry?: RetryHooks["onRetry"];
  /** The run lock each transaction checks first (none: unfenced, e.g. tests). */
  readonly fence?: RunFence;
}

/**
 * Commits one user's whole result in one transaction (rows, removals, rejects,
 * watermark, the user's progress row), so a crash leaves the previous state and a
 * rerun converges. The transaction is retried whole after a retryable database error;
 * the writes are idempotent, so a retry after an ambiguous commit is harmless.
 * Tables are written in a fixed order (chats, members, viewpoints, previews,
 * operations) and rows in key order, so concurrent users sharing chats do not deadlock.
 */
export async function loadUserResult(
  db: Kysely<Database>,
  input: UserLoadInput,
  options: UserLoadOptions = {},
): Promise<UserLoadResult> {
  return inRetriedTransaction(db, input.userId, options, (trx) => writeUser(trx, input, options));
}

/**
 * `write` in a transaction, retried whole after a retryable database error. Its commit
 * does not wait for the WAL flush (see connect.ts): the run's final commit does.
 */
async function inRetriedTransaction<T>(
  db: Kysely<Database>,
  userId: string | null,
  options: UserLoadOptions,
  write: (trx: Kysely<Database>) => Promise<T>,
): Promise<T & { attempts: number }> {
  let attempts = 0;
  const writes = await withRetry(
    (attempt) => {
      attempts = attempt;
      return fencedTransaction(db, options.fence, write);
    },
    options.retry ?? DEFAULT_DATABASE_RETRY,
    options.sleep,
    {
      context: userId === null ? {} : { userId },
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    },
  );
  return { ...writes, attempts };
}

async function writeUser(
  trx: Kysely<Database>,
  input: UserLoadInput,
  options: UpsertOptions,
): Promise<Omit<UserLoadResult, "attempts">> {
  const { seenAt, userId } = input;
  const shared = await writeChatRows(trx, input.chats, input, options);
  const listed = [
    ...input.chats.map((c) => ({ chat_id: c.chat.chat_id, viewpoint: c.viewpoint })),
    ...(input.viewpoints ?? []),
  ];
  const userChatWrites = await upsertUserChats(
    trx,
    listed.map((c) => ({
      key: { user_id: userId, chat_id: c.chat_id },
      viewpoint: c.viewpoint,
    })),
    seenAt,
    { ...options, mayExist: input.userChatsMayExist ?? true },
  );
  const userChatsRemoved = input.listingComplete
    ? await markRemovedUserChats(
        trx,
        userId,
        listed.map((c) => c.chat_id),
        seenAt,
      )
    : 0;
  const rejects = await insertRejects(trx, input.runId, userId, input.rejects, seenAt);
  await writeFollowUpMarks(trx, input.followUpMarks ?? {});
  const advanced = await advanceWatermarks(trx, userId, input.runId, [
    ...(input.watermark ? [input.watermark] : []),
    ...(input.watermarks ?? []),
  ]);
  const watermarkAdvanced = advanced.length > 0;
  const rowsWritten = shared.rowsWritten + written(userChatWrites) + userChatsRemoved;
  await markUserSucceeded(trx, input.runId, userId, {
    chatsSeen: listed.length,
    rowsWritten,
  });
  return {
    chats: shared.chats,
    chat_members: shared.chat_members,
    user_chats: { ...userChatWrites, removed: userChatsRemoved },
    message_previews: shared.message_previews,
    chat_operations: shared.chat_operations,
    rejects,
    watermarkAdvanced,
    rowsWritten,
  };
}

/** The rows of chats, shared by every member user: what one claimant loads for all. */
export interface ChatRowsInput {
  readonly runId: number;
  /** The user whose listing brought the chats (named on the rejects); null: no user's. */
  readonly userId: string | null;
  readonly seenAt: Date;
  /** Their chat rows, previews and expanded members (the viewpoints are not written). */
  readonly chats: readonly ListedChat[];
  /** As in {@link UserLoadInput}: complete member lists, absent members marked removed. */
  readonly completeMembers: ReadonlyMap<string, readonly ChatMemberRow[]>;
  readonly operations: readonly ChatOperationRow[];
  readonly rejects: readonly Rejected[];
  readonly followUpMarks?: FollowUpMarksInput;
}

export interface ChatRowsResult {
  readonly chats: WriteCount;
  readonly chat_members: TableWrites;
  readonly message_previews: WriteCount;
  readonly chat_operations: WriteCount;
  readonly rejects: number;
  readonly rowsWritten: number;
  readonly attempts: number;
}

/**
 * Commits the shared rows of some chats (chat, members, previews, operations) with their
 * follow-up marks and rejects, in one short transaction retried whole like a user's.
 * The orchestrator loads each chat's shared rows once per run this way, page by page, as
 * the one user that claimed it lists it; every user's own transaction (viewpoints,
 * removals, watermark) commits only after the shared rows of all its chats did, so no
 * watermark moves past data that did not commit.
 */
export async function loadChatRows(
  db: Kysely<Database>,
  input: ChatRowsInput,
  options: UserLoadOptions = {},
): Promise<ChatRowsResult> {
  return inRetriedTransaction(db, input.userId, options, async (trx) => {
    const shared = await writeChatRows(trx, input.chats, input, options);
    const rejects = await insertRejects(
      trx,
      input.runId,
      input.userId,
      input.rejects,
      input.seenAt,
    );
    await writeFollowUpMarks(trx, input.followUpMarks ?? {});
    return { ...shared, rejects };
  });
}

/**
 * Chats, members (removals from complete lists included), previews and operations, in
 * that fixed order (as every transaction writes tables), rows in key order.
 */
async function writeChatRows(
  trx: Kysely<Database>,
  chats: readonly ListedChat[],
  input: Pick<ChatRowsInput, "completeMembers" | "operations" | "seenAt">,
  options: UpsertOptions,
): Promise<Omit<ChatRowsResult, "attempts" | "rejects">> {
  const { seenAt } = input;
  const members: ChatMemberRow[] = [];
  const previews: MessagePreviewRow[] = [];
  for (const listed of chats) {
    if (listed.members && !input.completeMembers.has(listed.chat.chat_id)) {
      members.push(...listed.members);
    }
    if (listed.preview) previews.push(listed.preview);
  }
  for (const complete of input.completeMembers.values()) members.push(...complete);
  const chatWrites = await upsertChats(
    trx,
    chats.map((c) => c.chat),
    seenAt,
    options,
  );
  // Chats this statement inserted had no rows before it, members and previews included
  // (those are written only with their chat, and chat rows are never deleted): when every
  // chat of the batch is one of them, that is most batches of a first backfill, their
  // rows skip the probe for unchanged rows and there is nobody to mark removed.
  const chatIds = new Set(chats.map((c) => c.chat.chat_id));
  const allNew =
    chatWrites.inserted === chatIds.size &&
    [...input.completeMembers.keys()].every((id) => chatIds.has(id));
  const fresh = { ...options, mayExist: !allNew };
  const memberWrites = await upsertChatMembers(trx, members, seenAt, fresh);
  const membersRemoved = allNew ? 0 : await markRemovedMembers(trx, input.completeMembers, seenAt);
  const previewWrites = await upsertMessagePreviews(trx, previews, seenAt, fresh);
  const operations = await upsertChatOperations(trx, input.operations, seenAt, options);
  return {
    chats: chatWrites,
    chat_members: { ...memberWrites, removed: membersRemoved },
    message_previews: previewWrites,
    chat_operations: operations,
    rowsWritten:
      written(chatWrites) +
      written(memberWrites) +
      membersRemoved +
      written(previewWrites) +
      written(operations),
  };
}

function written(count: WriteCount): number {
  return count.inserted + count.updated;
}
