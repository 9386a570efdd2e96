import type { WriteCounts } from "../../load/index.ts";
import { chatMessagesCall } from "./calls.ts";
import type { MessagesRun } from "./messages-run.ts";
import { loadPages } from "./page-loop.ts";

/**
 * Reads a chat's messages (those changed after `since`, or all of them), newest change
 * first, committing them page by page; the chat's cursor (the newest lastModifiedDateTime
 * read) commits with the last page.
 */
export function readChatHistory(
  run: MessagesRun,
  chatId: string,
  userId: string,
  since: string | null,
  firstRead: boolean,
): Promise<{ messages: number; written: WriteCounts }> {
  const readAt = run.context.graph.serverTime().latest ?? run.context.now();
  const pages = run.context.graph.pages(chatMessagesCall(chatId, userId, since));
  return loadPages(run, pages[Symbol.asyncIterator](), {
    userId,
    chatId,
    dedupe: false,
    mayExist: !firstRead,
    cursor: (_last, newest) => ({ scope: "chat", id: chatId, lastModifiedRaw: newest, readAt }),
  });
}
