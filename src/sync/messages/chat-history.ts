import type { WriteCounts } from "../../load/index.ts";
import { latestGraphTimestamp } from "../../normalize/index.ts";
import { chatMessagesCall } from "./calls.ts";
import type { MessagesRun } from "./messages-run.ts";

/**
 * Reads a chat's messages (those changed after `since`, or all of them), newest change
 * first, and commits them page by page while the next page is fetched, so a chat of any
 * size costs two pages of memory. The chat's cursor (the newest lastModifiedDateTime read)
 * commits with the last page: a crash leaves none, and the rerun reads the chat again,
 * writing only what differs.
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
  let written: WriteCounts = { inserted: 0, updated: 0, removed: 0 };
  const pages = graph.pages(chatMessagesCall(chatId, userId, since))[Symbol.asyncIterator]();
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
    const counts = await warehouse.loadMessages({
      runId: run.context.runId,
      userId,
      seenAt: run.context.now(),
      messages: normalized.messages,
      rejects: normalized.rejects,
      ...(page.last
        ? { cursor: { scope: "chat", id: chatId, lastModifiedRaw: newest, readAt } }
        : {}),
      mayExist: !firstRead,
    });
    messages += normalized.messages.length;
    written = addWrites(written, counts);
    if (following === null) break;
    next = await following;
  }
  return { messages, written };
}

export function addWrites(a: WriteCounts, b: WriteCounts): WriteCounts {
  return {
    inserted: a.inserted + b.inserted,
    updated: a.updated + b.updated,
    removed: a.removed + b.removed,
  };
}
