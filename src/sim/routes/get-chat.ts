/**
 * `GET /chats/{id}` and `GET /users/{id|upn}/chats/{id}` (with `$expand`). The app-only
 * form has no calling user, hence no viewpoint; the per-user form sends that user's.
 * Members in the expansion are capped at 25 as in the list.
 */
import type { GraphRequest, SimContext } from "../http/context.ts";
import type { RouteOutput } from "../http/graph-response.ts";
import { parseChatExpand, rejectUnsupported } from "../http/odata.ts";
import { notFound, userNotFound } from "../sim-error.ts";
import type { ChatEntry } from "../tenant/store.ts";
import { chatItemJson } from "../wire/chat-item.ts";

export function getChat(ctx: SimContext, req: GraphRequest): RouteOutput {
  rejectUnsupported(req.query, ["$expand", "$select"]);
  const entry = visibleChat(ctx, req);
  const expansions = parseChatExpand(req.query);
  const version = req.route.version ?? "v1.0";
  const expanded = expansions.length === 0 ? "" : `(${expansions.map((e) => `${e}()`).join(",")})`;
  const json = chatItemJson(entry, {
    head: { "@odata.context": `${ctx.origin}/${version}/$metadata#chats${expanded}/$entity` },
    viewpointOf: req.user?.id,
    expansions,
    previewContext: `${ctx.origin}/${version}/$metadata#chats('${encodeURIComponent(entry.state.id)}')/lastMessagePreview/$entity`,
  });
  return { status: 200, json };
}

/** The chat of the path, checking that the path's user (if any) is in it. */
export function visibleChat(ctx: SimContext, req: GraphRequest): ChatEntry {
  if (req.route.userRef !== undefined && !req.user) throw userNotFound(req.route.userRef);
  const chatId = req.route.chatId ?? "";
  const entry = ctx.store.findChat(chatId);
  if (!entry || (req.user && !(req.user.id in entry.state.viewpoints)))
    throw notFound(`Chat '${chatId}'`);
  return entry;
}
