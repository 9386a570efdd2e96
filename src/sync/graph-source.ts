import type { GraphExtractor, GraphPage } from "../extract/index.ts";
import type { GraphCounters, GraphSource } from "./ports.ts";

/** The orchestrator's Graph port over the extract stage. */
export function graphSource(extractor: GraphExtractor): GraphSource {
  return {
    baseUrl: extractor.config.baseUrl,
    listUsers: () => extractor.listUsers(),
    resolveUserId: (idOrUpn) => extractor.getUserId(idOrUpn),
    userChatPages: (userId) => itemsOf(extractor.listUserChats(userId)),
    pages: (call, from) => extractor.pages(call, from),
    listAll: (call) => extractor.listAll(call),
    getObject: (call) => extractor.getObject(call),
    counters: (): GraphCounters => extractor.counters(),
    serverTime: () => extractor.serverTime(),
  };
}

/**
 * The pages' items, mapped without a generator (which would keep the last page alive in its
 * frame while the sync waits on its commits: see paginate).
 */
function itemsOf(
  pages: AsyncIterableIterator<GraphPage>,
): AsyncIterableIterator<readonly unknown[]> {
  const items: AsyncIterableIterator<readonly unknown[]> = {
    next: async () => {
      const page = await pages.next();
      return page.done
        ? { done: true, value: undefined }
        : { done: false, value: page.value.items };
    },
    return: async () => {
      await pages.return?.();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => items,
  };
  return items;
}
