import type { Kysely } from "kysely";
import { advanceWatermarks } from "./advance-watermark.ts";
import { insertRejects } from "./insert-rejects.ts";
import type { LoadOptions } from "./load-chat-batch.ts";
import type { LoadResult, UserRows } from "./loads.ts";
import { markRemovedUserChats } from "./mark-removed-user-chats.ts";
import { fencedTransaction } from "./run-fence.ts";
import { markUserSucceeded } from "./run-users.ts";
import type { Database } from "./schema.ts";
import { upsertUserChats } from "./upsert-user-chats.ts";

/**
 * Commits one user's own rows in one transaction: the viewpoint of every chat it listed,
 * the chats gone from its listing marked removed, its rejects, its watermarks and its
 * progress row. A crash leaves the previous state and a rerun converges. Not retried
 * here: the caller retries the whole call, which is idempotent.
 */
export function loadUserRows(
  db: Kysely<Database>,
  rows: UserRows,
  options: LoadOptions = {},
): Promise<LoadResult & { readonly watermarkAdvanced: boolean }> {
  return fencedTransaction(db, options.fence, async (trx) => {
    const { seenAt, userId } = rows;
    const written = await upsertUserChats(
      trx,
      rows.viewpoints.map((c) => ({
        key: { user_id: userId, chat_id: c.chat_id },
        viewpoint: c.viewpoint,
      })),
      seenAt,
      { ...options, mayExist: rows.mayHaveRows },
      options.tenant,
    );
    const removed = await markRemovedUserChats(
      trx,
      userId,
      rows.viewpoints.map((c) => c.chat_id),
      seenAt,
    );
    const rejects = await insertRejects(trx, rows.runId, userId, rows.rejects, seenAt);
    const advanced = await advanceWatermarks(trx, userId, rows.runId, rows.watermarks);
    await markUserSucceeded(trx, rows.runId, userId, {
      chatsSeen: rows.viewpoints.length,
      rowsWritten: written.inserted + written.updated + removed,
    });
    return {
      tables: { user_chats: { ...written, removed } },
      rejects,
      watermarkAdvanced: advanced.length > 0,
    };
  });
}
