import { encodeId, graphUrl } from "./graph-urls.ts";
import { paginate } from "./paginate.ts";
import {
  includeUnknownEnumMembers,
  type ChatCallContext,
  type StreamContext,
} from "./stream-context.ts";

/** A chat's Teams async operations (beta only: v1.0 has no `chat.operations`). */
export async function listChatOperations(
  ctx: StreamContext,
  chatId: string,
  call: ChatCallContext = {},
): Promise<unknown[]> {
  const id = encodeId(chatId, "chat id", { userId: call.userId, stream: "operations" });
  const path = `/chats/${id}/operations`;
  const operations: unknown[] = [];
  const pages = paginate(ctx.http, graphUrl(ctx.baseUrl, "beta", path), {
    scope: "listOperations",
    chatId,
    userId: call.userId,
    headers: includeUnknownEnumMembers,
    stream: "operations",
    listing: `operations of chat ${chatId}`,
    maxPages: ctx.maxPages,
  });
  for await (const page of pages) operations.push(...page.items);
  return operations;
}
