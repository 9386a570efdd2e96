import { encodeId, graphUrl } from "./graph-urls.ts";
import { paginate, type GraphPage } from "./paginate.ts";
import type { StreamContext } from "./stream-context.ts";

/**
 * One user's chats, a page (at most 50, Graph's `$top` ceiling) at a time, as Graph sent
 * them: the normalizers validate. The expands bring the first 25 members and the last
 * message preview, which only this call returns (docs/graph.md, "Chats").
 */
export function listUserChats(
  ctx: StreamContext,
  userId: string,
): AsyncIterableIterator<GraphPage> {
  const id = encodeId(userId, "user id", { userId, stream: "chats" });
  const path = `/users/${id}/chats?$top=50&$expand=members,lastMessagePreview`;
  return paginate(ctx.http, graphUrl(ctx.baseUrl, "v1.0", path), {
    scope: "listChats",
    userId,
    stream: "chats",
    listing: `chats of user ${userId}`,
    maxPages: ctx.maxPages,
  });
}
