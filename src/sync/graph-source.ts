import { graphUrl } from "../extract/graph-urls.ts";
import type { GraphExtractor } from "../extract/index.ts";
import { GraphProtocolError } from "../errors.ts";
import type { GraphCounters, GraphSource } from "./ports.ts";

/** The orchestrator's Graph port over the extract stage. */
export function graphSource(extractor: GraphExtractor): GraphSource {
  return {
    listUserIds: () => extractor.listUsers(),
    async resolveUserId(idOrUpn) {
      const url = graphUrl(
        extractor.config.baseUrl,
        "v1.0",
        `/users/${encodeURIComponent(idOrUpn)}?$select=id`,
      );
      const { body } = await extractor.http.getJson<{ id?: unknown }>(url, {
        scope: "listUsers",
        stream: "users",
        userId: idOrUpn,
      });
      if (typeof body.id !== "string" || body.id === "") {
        throw new GraphProtocolError(`GET /users/${idOrUpn} answered without an id`, {
          userId: idOrUpn,
        });
      }
      return body.id;
    },
    async *userChatPages(userId) {
      for await (const page of extractor.listUserChats(userId)) yield page.items;
    },
    chatMembers: (chatId) => extractor.listChatMembers(chatId),
    chatOperations: (chatId) => extractor.listChatOperations(chatId),
    chatOperation: (chatId, operationId) => extractor.getChatOperation(chatId, operationId),
    counters: (): GraphCounters => extractor.counters(),
  };
}
