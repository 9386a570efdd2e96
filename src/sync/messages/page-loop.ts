import { addWrites, NO_WRITES, type MessageCursor, type WriteCounts } from "../../load/index.ts";
import { latestGraphTimestamp } from "../../normalize/index.ts";
import type { GraphPage } from "../ports.ts";
import type { MessagesRun } from "./messages-run.ts";

/**
 * Pages of one listing being committed while its next pages are read. A listing's pages
 * come one after another (each names the next), so a read that waited for each commit
 * would go at the database's pace, not Graph's: a chat of 25,000 messages is 500 pages,
 * and Graph allows one a second per chat (more where the limits are raised), which only a
 * read that keeps fetching while earlier pages commit can use. Memory stays a few pages.
 */
export const PAGE_LOADS = 4;

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
 * Loads a listing of messages page by page, committing pages (up to PAGE_LOADS at once)
 * while the next ones are fetched. The read's cursor commits with the last page, once
 * every earlier page has committed: a crash or a failed page leaves the previous cursor,
 * and the rerun reads again, writing only what differs.
 */
export async function loadPages(
  run: MessagesRun,
  pages: AsyncIterator<GraphPage>,
  options: PageLoopOptions,
): Promise<{ messages: number; written: WriteCounts }> {
  const { warehouse } = run.context;
  let newest: string | null = null;
  let messages = 0;
  let written: WriteCounts = NO_WRITES;
  const loading: Promise<WriteCounts>[] = [];
  try {
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
      messages += normalized.messages.length;
      // The cursor says the listing is read up to `newest`: only once every page is in.
      if (page.last) written = addWrites(written, await settle(loading));
      const load = warehouse.loadMessages({
        runId: run.context.runId,
        userId: options.userId,
        seenAt: run.context.now(),
        messages: normalized.messages,
        rejects: normalized.rejects,
        ...(page.last ? { cursor: options.cursor(page, newest) } : {}),
        mayExist: options.mayExist,
      });
      load.catch(() => undefined); // awaited in turn, or settled on the way out
      loading.push(load);
      if (following === null) break;
      if (loading.length >= PAGE_LOADS) {
        written = addWrites(written, await (loading.shift() as Promise<WriteCounts>));
      }
      next = await following;
    }
    written = addWrites(written, await settle(loading));
  } finally {
    // A failed read leaves no commit running behind it.
    await Promise.allSettled(loading);
  }
  return { messages, written };
}

/** Waits for every load, and throws the first failure once none is still running. */
async function settle(loading: Promise<WriteCounts>[]): Promise<WriteCounts> {
  let written = NO_WRITES;
  for (const result of await Promise.allSettled(loading.splice(0))) {
    if (result.status === "rejected") throw result.reason;
    written = addWrites(written, result.value);
  }
  return written;
}
