import { encodeId, graphUrl } from "./graph-urls.ts";
import { paginate } from "./paginate.ts";
import type { ChatCallContext, StreamContext } from "./stream-context.ts";

/**
 * The complete member list of a chat (the `$expand` on the chat listing stops at 25).
 * All pages or an error: a partial list would mark the missing members as removed.
 */
export async function listChatMembers(
  ctx: StreamContext,
  chatId: string,
  call: ChatCallContext = {},
): Promise<unknown[]> {
  const id = encodeId(chatId, "chat id", { userId: call.userId, stream: "members" });
  const path = `/chats/${id}/members`;
  const members: unknown[] = [];
  const pages = paginate(ctx.http, graphUrl(ctx.baseUrl, "v1.0", path), {
    scope: "listMembers",
    chatId,
    userId: call.userId,
    stream: "members",
    listing: `members of chat ${chatId}`,
    maxPages: ctx.maxPages,
  });
  for await (const page of pages) members.push(...page.items);
  return members;
}
