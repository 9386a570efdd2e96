import type { GraphExtractor } from "../extract/index.ts";
import type { GraphCounters, GraphSource } from "./ports.ts";

/** The orchestrator's Graph port over the extract stage. */
export function graphSource(extractor: GraphExtractor): GraphSource {
  return {
    listUserIds: () => extractor.listUsers(),
    resolveUserId: (idOrUpn) => extractor.getUserId(idOrUpn),
    async *userChatPages(userId) {
      for await (const page of extractor.listUserChats(userId)) yield page.items;
    },
    chatMembers: (chatId) => extractor.listChatMembers(chatId),
    chatOperations: (chatId) => extractor.listChatOperations(chatId),
    chatOperation: (chatId, operationId) => extractor.getChatOperation(chatId, operationId),
    counters: (): GraphCounters => extractor.counters(),
  };
}
