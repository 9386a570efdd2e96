import type { Kysely } from "kysely";
import type { MessagePreviewRow } from "../normalize/rows.ts";
import { writeFollowUpMarks } from "./follow-up-marks.ts";
import { insertRejects } from "./insert-rejects.ts";
import type { ChatBatch, LoadResult, WriteCounts } from "./loads.ts";
import { fencedTransaction, type RunFence } from "./run-fence.ts";
import type { Database } from "./schema.ts";
import { upsertChats } from "./upsert-chats.ts";
import { upsertMessagePreviews } from "./upsert-message-previews.ts";
import type { UpsertOptions } from "./upsert-rows.ts";

export interface LoadOptions extends UpsertOptions {
  /** The run lock each transaction checks first (none: unfenced, e.g. tests). */
  readonly fence?: RunFence;
  /** The tenant of the run's users (default `default`): the viewpoints are labelled with it. */
  readonly tenant?: string;
}

/**
 * Commits the shared rows of a batch of claimed chats (chats, previews, then each
 * follow-up stream's table in its declared order) with their follow-up marks and rejects,
 * in one short transaction. Tables are written in a fixed order and rows in key order, so
 * concurrent batches do not deadlock. Not retried here: the caller retries the whole call,
 * which is idempotent (upserts write only what differs).
 */
export function loadChatBatch(
  db: Kysely<Database>,
  batch: ChatBatch,
  options: LoadOptions = {},
): Promise<LoadResult> {
  return fencedTransaction(db, options.fence, (trx) => writeChatBatch(trx, batch, options));
}

async function writeChatBatch(
  trx: Kysely<Database>,
  batch: ChatBatch,
  options: UpsertOptions,
): Promise<LoadResult> {
  const chatIds = new Set(batch.chats.map((c) => c.chat.chat_id));
  const chats = await upsertChats(
    trx,
    batch.chats.map((c) => c.chat),
    batch.seenAt,
    options,
  );
  // Chats this statement inserted had no rows before it (previews and follow-up rows are
  // written only with their chat, and chat rows are never deleted): when every chat of the
  // batch is one of them, as in most batches of a first backfill, their rows skip the
  // probe for unchanged rows and nothing can have left.
  const fresh =
    chats.inserted === chatIds.size &&
    batch.followUps.every((f) => [...f.chatIds].every((id) => chatIds.has(id)));
  const tables: Record<string, WriteCounts> = {
    chats: { ...chats, removed: 0 },
    message_previews: await writePreviews(trx, batch, fresh, options),
  };
  for (const followUp of batch.followUps) {
    tables[followUp.table] = await followUp.write(trx, batch, fresh, options);
  }
  const rejects = await insertRejects(trx, batch.runId, batch.userId, batch.rejects, batch.seenAt);
  await writeFollowUpMarks(trx, batch.followUps);
  return { tables, rejects };
}

async function writePreviews(
  trx: Kysely<Database>,
  batch: ChatBatch,
  fresh: boolean,
  options: UpsertOptions,
): Promise<WriteCounts> {
  const previews: MessagePreviewRow[] = [];
  for (const listed of batch.chats) if (listed.preview) previews.push(listed.preview);
  const written = await upsertMessagePreviews(trx, previews, batch.seenAt, {
    ...options,
    mayExist: !fresh,
  });
  return { ...written, removed: 0 };
}
