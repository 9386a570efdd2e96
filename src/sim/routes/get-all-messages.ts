/**
 * `GET /users/{id}/chats/getAllMessages`: every message of every chat the user is in
 * (each chat's messages once per member asking), `$top` up to 50, and a `$filter` that,
 * when given, must bound `lastModifiedDateTime` on both sides (`gt … and lt …`).
 */
import type { GraphRequest, SimContext } from "../http/context.ts";
import { withQuery, type RouteOutput } from "../http/graph-response.ts";
import {
  messageOptions,
  parseMessageFilter,
  parseMessageTop,
  rangeOf,
  rangeSignature,
} from "../http/message-query.ts";
import { invalidContinuationToken } from "../http/skiptoken.ts";
import { feedCursor, takePage, userFeed, type FeedCursor } from "../messages/user-feed.ts";
import { badRequest, userNotFound } from "../sim-error.ts";
import { messageItem, preferUnknown } from "./message-page.ts";

export function getAllMessages(ctx: SimContext, req: GraphRequest): RouteOutput {
  const user = req.user;
  if (!user) throw userNotFound(req.route.userRef ?? "");
  const options = messageOptions(req.query, ["$top", "$filter", "$skiptoken"]);
  const top = parseMessageTop(options);
  const clauses = parseMessageFilter(options.get("$filter"), {
    lastModifiedDateTime: ["gt", "lt"],
    createdDateTime: [],
  });
  const range = rangeOf(clauses, "lastModifiedDateTime");
  if (clauses.length > 0 && (range.after === undefined || range.before === undefined)) {
    throw badRequest(
      "The $filter must bound lastModifiedDateTime on both sides: 'lastModifiedDateTime gt {start} and lastModifiedDateTime lt {end}'.",
    );
  }
  const listing = `allMessages:${user.id}:${rangeSignature(range)}`;
  const token = req.query.get("$skiptoken");
  const after = token === null ? undefined : feedCursorOf(ctx.skipTokens.decode(listing, token));
  const page = takePage(userFeed(ctx.store, user.id, { range, after }), top, ctx.store);
  const prefer = preferUnknown(req.headers.prefer);
  const last = page.items[page.items.length - 1];
  return {
    status: 200,
    headers: prefer.headers,
    page: {
      context: `${ctx.origin}/${req.route.version ?? "v1.0"}/$metadata#Collection(chatMessage)`,
      items: page.items.map(({ message }) => messageItem(message, prefer.include, true)),
      nextLink:
        page.more && last
          ? withQuery(req.url, {
              $skiptoken: ctx.skipTokens.encode(listing, { ...feedCursor(last.item) }),
            })
          : null,
      firstPageUrl: withQuery(req.url, { $skiptoken: null }),
    },
  };
}

export function feedCursorOf(payload: Record<string, unknown>): FeedCursor {
  const { o, k, t, i } = payload;
  if (
    typeof o !== "number" ||
    typeof k !== "number" ||
    typeof t !== "number" ||
    typeof i !== "number"
  ) {
    throw invalidContinuationToken();
  }
  return { o, k, t, i };
}
