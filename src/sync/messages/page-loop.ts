import type { MessageCursor, WriteCounts } from "../../load/index.ts";
import { latestGraphTimestamp } from "../../normalize/index.ts";
import type { GraphPage } from "../ports.ts";
import type { MessagesRun } from "./messages-run.ts";

export interface PageLoopOptions {
  /** Who reads (named on the rejects). */
  readonly userId: string;
  /** The chat the pages belong to; null when each item names its chat (getAllMessages). */
  readonly chatId: string | null;
  /** Leave out messages the run already loaded at the same version (a member's changes). */
  readonly dedupe: boolean;
  /** False for the history of a chat never read before (see upsertChatMessages). */
  readonly mayExist: boolean;
  /** The cursor the last page commits, given that page and the newest change read. */
  readonly cursor: (last: GraphPage, newest: string | null) => MessageCursor;
}

/**
 * Loads a listing of messages page by page, each page committed while the next one is
 * fetched (two pages of memory, whatever the listing's size); the read's cursor commits
 * with the last page, so a crash leaves the previous one and the rerun reads again.
 */
export async function loadPages(
  run: MessagesRun,
  pages: AsyncIterator<GraphPage>,
  options: PageLoopOptions,
): Promise<{ messages: number; written: WriteCounts }> {
  const { warehouse } = run.context;
  let newest: string | null = null;
  let messages = 0;
  let written: WriteCounts = { inserted: 0, updated: 0, removed: 0 };
  for (let next = await pages.next(); !next.done;) {
    run.context.halt.throwIfAborted();
    const page = next.value;
    const following = page.last ? null : pages.next();
    following?.catch(() => undefined); // awaited below
    const normalized = run.normalizePage(page, options.chatId, options.dedupe);
    newest = latestGraphTimestamp([
      newest,
      ...normalized.messages.map((m) => m.message.last_modified_raw),
    ]);
    const counts = await warehouse.loadMessages({
      runId: run.context.runId,
      userId: options.userId,
      seenAt: run.context.now(),
      messages: normalized.messages,
      rejects: normalized.rejects,
      ...(page.last ? { cursor: options.cursor(page, newest) } : {}),
      mayExist: options.mayExist,
    });
    messages += normalized.messages.length;
    written = {
      inserted: written.inserted + counts.inserted,
      updated: written.updated + counts.updated,
      removed: written.removed + counts.removed,
    };
    if (following === null) break;
    next = await following;
  }
  return { messages, written };
}
