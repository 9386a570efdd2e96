import type { Kysely } from "kysely";
import type { NormalizedChatMessage, Rejected } from "../normalize/rows.ts";
import { insertRejects } from "./insert-rejects.ts";
import type { LoadOptions } from "./load-chat-batch.ts";
import type { LoadResult } from "./loads.ts";
import { writeMessageCursor, type MessageCursor } from "./message-cursors.ts";
import { fencedTransaction } from "./run-fence.ts";
import type { Database } from "./schema.ts";
import { upsertChatMessages } from "./upsert-chat-messages.ts";

/** A page of messages (any chats), and the cursor it completes, if it is a read's last. */
export interface MessagePage {
  readonly runId: number;
  /** Who read them (named on the rejects); null for a chat's own history. */
  readonly userId: string | null;
  readonly seenAt: Date;
  readonly messages: readonly NormalizedChatMessage[];
  readonly rejects: readonly Rejected[];
  /** Committed with the page's rows: the read is complete up to it. */
  readonly cursor?: MessageCursor;
  /** False for the history of a chat never read before (see upsertChatMessages). */
  readonly mayExist: boolean;
}

/**
 * Commits a page of messages with their current mentions, reactions and attachments, its
 * rejects, and (on a read's last page) the read's cursor, in one transaction: a crash
 * leaves the previous cursor, and the rerun reads the pages again (writing only what
 * differs). Not retried here: the caller retries the whole call.
 */
export function loadMessagePage(
  db: Kysely<Database>,
  page: MessagePage,
  options: LoadOptions = {},
): Promise<LoadResult> {
  return fencedTransaction(db, options.fence, async (trx) => {
    const written = await upsertChatMessages(trx, page.messages, page.seenAt, {
      mayExist: page.mayExist,
    });
    const rejects = await insertRejects(trx, page.runId, page.userId, page.rejects, page.seenAt);
    if (page.cursor) await writeMessageCursor(trx, page.runId, page.cursor);
    const set = (w: { inserted: number; updated: number; deleted: number }) => ({
      inserted: w.inserted,
      updated: w.updated,
      removed: w.deleted,
    });
    return {
      tables: {
        chat_messages: { ...written.chat_messages, removed: 0 },
        chat_message_mentions: set(written.chat_message_mentions),
        chat_message_reactions: set(written.chat_message_reactions),
        chat_message_attachments: set(written.chat_message_attachments),
      },
      rejects,
    };
  });
}
