import { NO_WRITES, type WriteCounts } from "../../load/index.ts";
import { latestGraphTimestamp } from "../../normalize/index.ts";
import { chatMessagesCall } from "./calls.ts";
import type { MessagesRun } from "./messages-run.ts";

/**
 * Pages of one chat being committed while its next pages are read. A chat's pages come one
 * after another (each names the next), so a read that waited for each commit would go at
 * the database's pace, not Graph's: a chat of 25,000 messages is 500 pages, and Graph
 * allows one a second per chat (more where the limits are raised), which only a read
 * that keeps fetching while earlier pages commit can use. Memory stays a few pages a chat.
 */
export const PAGE_LOADS = 4;

/**
 * Reads a chat's messages (those changed after `since`, or all of them), newest change
 * first, and commits them page by page while the next pages are fetched (up to PAGE_LOADS
 * commits at once), so a chat of any size costs a few pages of memory. The chat's cursor
 * (the newest lastModifiedDateTime read) commits with the last page, once every earlier
 * page has committed: a crash or a failed page leaves none, and the rerun reads the chat
 * again, writing only what differs.
 */
export async function readChatHistory(
  run: MessagesRun,
  chatId: string,
  userId: string,
  since: string | null,
  firstRead: boolean,
): Promise<{ messages: number; written: WriteCounts }> {
  const { graph, warehouse } = run.context;
  const readAt = run.context.graph.serverTime().latest ?? run.context.now();
  let newest: string | null = null;
  let messages = 0;
  let written: WriteCounts = NO_WRITES;
  const loading: Promise<WriteCounts>[] = [];
  const pages = graph.pages(chatMessagesCall(chatId, userId, since))[Symbol.asyncIterator]();
  try {
    for (let next = await pages.next(); !next.done;) {
      run.context.halt.throwIfAborted();
      const page = next.value;
      const following = page.last ? null : pages.next();
      following?.catch(() => undefined); // awaited below
      const normalized = run.normalizePage(page, chatId, false);
      newest = latestGraphTimestamp([
        newest,
        ...normalized.messages.map((m) => m.message.last_modified_raw),
      ]);
      messages += normalized.messages.length;
      if (following === null) {
        // The cursor says the chat is read up to `newest`: only once every page is in.
        written = addWrites(written, await settle(loading));
      }
      const load = warehouse.loadMessages({
        runId: run.context.runId,
        userId,
        seenAt: run.context.now(),
        messages: normalized.messages,
        rejects: normalized.rejects,
        ...(following === null
          ? { cursor: { scope: "chat", id: chatId, lastModifiedRaw: newest, readAt } }
          : {}),
        mayExist: !firstRead,
      });
      load.catch(() => undefined); // awaited in turn, or settled on the way out
      loading.push(load);
      if (following === null) break;
      if (loading.length >= PAGE_LOADS)
        written = addWrites(written, await (loading.shift() as Promise<WriteCounts>));
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

export function addWrites(a: WriteCounts, b: WriteCounts): WriteCounts {
  return {
    inserted: a.inserted + b.inserted,
    updated: a.updated + b.updated,
    removed: a.removed + b.removed,
  };
}
