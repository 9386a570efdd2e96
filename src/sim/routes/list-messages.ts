/**
 * `GET /chats/{id}/messages` and `GET /users/{id}/chats/{id}/messages`: newest first by
 * `lastModifiedDateTime` (default) or `createdDateTime`, `$top` up to 50, the `$filter`
 * bounds Graph accepts (applied only with an `$orderby` on the same property), paged by
 * `$skiptoken`; `GET …/messages/{id}`, which takes no query options.
 */
import type { GraphRequest, SimContext } from "../http/context.ts";
import { withQuery, type RouteOutput } from "../http/graph-response.ts";
import { parseMessageListQuery, rangeSignature } from "../http/message-query.ts";
import { rejectUnsupported } from "../http/odata.ts";
import { notFound } from "../sim-error.ts";
import { messageJson } from "../wire/message-json.ts";
import { visibleChat } from "./get-chat.ts";
import {
  cursorOf,
  cursorPayload,
  messageItem,
  messagesContext,
  preferUnknown,
} from "./message-page.ts";

export function listMessages(ctx: SimContext, req: GraphRequest): RouteOutput {
  const entry = visibleChat(ctx, req);
  const chatId = entry.state.id;
  const query = parseMessageListQuery(req.query);
  const messages = ctx.store.messages;
  const view = messages.view(chatId);
  const refs = view.order(query.order);
  const [start, end] = view.span(query.order, query.range);
  // Bound to the chat and the query's shape, not to $top (a client may change it).
  const listing = `messages:${chatId}:${query.order}:${rangeSignature(query.range)}`;
  const token = req.query.get("$skiptoken");
  const from =
    token === null
      ? start
      : Math.max(
          start,
          view.positionAfter(query.order, cursorOf(ctx.skipTokens.decode(listing, token))),
        );
  const to = Math.min(end, from + query.top);
  const prefer = preferUnknown(req.headers.prefer);
  const items = [];
  for (let p = from; p < to; p++) {
    items.push(messageItem(messages.messageAt(view, refs[p] ?? 0), prefer.include));
  }
  const last = refs[to - 1];
  const nextLink =
    to < end && last !== undefined
      ? withQuery(req.url, {
          $skiptoken: ctx.skipTokens.encode(
            listing,
            cursorPayload(view.cursorAt(query.order, last)),
          ),
        })
      : null;
  return {
    status: 200,
    headers: prefer.headers,
    page: {
      context: messagesContext(ctx, req.route.version ?? "v1.0", chatId),
      items,
      nextLink,
      firstPageUrl: withQuery(req.url, { $skiptoken: null }),
    },
  };
}

export function getMessage(ctx: SimContext, req: GraphRequest): RouteOutput {
  rejectUnsupported(req.query, []);
  const entry = visibleChat(ctx, req);
  const messageId = req.route.messageId ?? "";
  const message = ctx.store.messages.find(entry.state.id, messageId);
  if (!message) throw notFound(`Message '${messageId}'`);
  const prefer = preferUnknown(req.headers.prefer);
  const context = `${messagesContext(ctx, req.route.version ?? "v1.0", entry.state.id)}/$entity`;
  return {
    status: 200,
    headers: prefer.headers,
    body: {
      "@odata.context": context,
      ...messageJson(message, { includeUnknownEnumMembers: prefer.include }),
    },
  };
}
