/**
 * `GET /users/{id|upn}/chats`: `$top` (default 20, max 50), `$expand` (members capped at
 * 25, lastMessagePreview), `$orderby=lastMessagePreview/createdDateTime desc`, the
 * installedApps `$filter`, and cursor-based `$skiptoken`s: a page starts after the last
 * chat of the previous one, so chats added or removed meanwhile do not shift the rest.
 */
import type { GraphRequest, SimContext } from "../http/context.ts";
import { withQuery, type RouteOutput } from "../http/graph-response.ts";
import {
  parseChatExpand,
  parseChatFilter,
  parseChatOrderBy,
  parseTop,
  rejectUnsupported,
} from "../http/odata.ts";
import { formatGraphTime, graphTimeToMs } from "../graph-time.ts";
import { invalidContinuationToken } from "../http/skiptoken.ts";
import { userNotFound } from "../sim-error.ts";
import type { ChatEntry } from "../tenant/store.ts";
import { chatItemJson, chatsContext } from "../wire/chat-item.ts";

export const LIST_CHATS_TOP = { defaultTop: 20, maxTop: 50 } as const;

interface Keyed {
  readonly entry: ChatEntry;
  /** Preview time for `$orderby` (null: no preview; such chats come last). */
  readonly previewMs: number | null;
}

export function listChats(ctx: SimContext, req: GraphRequest): RouteOutput {
  const user = req.user;
  if (!user) throw userNotFound(req.route.userRef ?? "");
  rejectUnsupported(req.query, ["$top", "$expand", "$orderby", "$filter", "$skiptoken", "$select"]);
  const top = parseTop(req.query, {
    ...LIST_CHATS_TOP,
    tooLarge: (v) =>
      `The limit of '${LIST_CHATS_TOP.maxTop}' for Top query has been exceeded. The value from the incoming request is '${v}'.`,
  });
  const expansions = parseChatExpand(req.query);
  const orderBy = parseChatOrderBy(req.query);
  const appFilter = parseChatFilter(req.query);

  let chats: Keyed[] = ctx.store
    .chatsOfUser(user.id)
    .filter((entry) => appFilter === null || entry.state.installedAppIds.includes(appFilter))
    .map((entry) => ({ entry, previewMs: orderBy ? previewMs(entry) : null }));
  if (orderBy) chats = chats.sort(compareByPreview);

  // The token is bound to the user and the query shape, not to $top (clients may change it).
  const listing = `chats:${user.id}:${orderBy ?? ""}:${appFilter ?? ""}`;
  const token = req.query.get("$skiptoken");
  const start =
    token === null ? 0 : startAfter(chats, ctx.skipTokens.decode(listing, token), orderBy !== null);
  const page = chats.slice(start, start + top);
  const last = page[page.length - 1];
  const nextLink =
    last && start + top < chats.length
      ? withQuery(req.url, {
          $skiptoken: ctx.skipTokens.encode(listing, { o: last.entry.ordinal, t: last.previewMs }),
        })
      : null;
  const skew = ctx.settings.listLastUpdatedSkewMs;
  return {
    status: 200,
    page: {
      context: chatsContext(ctx.origin, req.route.version ?? "v1.0", expansions),
      items: page.map(({ entry }) =>
        chatItemJson(entry, {
          viewpointOf: user.id,
          expansions,
          lastUpdatedDateTime: skew > 0 ? skewed(entry, skew) : undefined,
        }),
      ),
      nextLink,
      firstPageUrl: withQuery(req.url, { $skiptoken: null }),
    },
  };
}

function previewMs(entry: ChatEntry): number | null {
  const preview = entry.state.lastMessagePreview;
  return preview === null ? null : graphTimeToMs(preview.createdDateTime);
}

/** Newest preview first; chats without a preview last; ties by creation order. */
function compareByPreview(a: Keyed, b: Keyed): number {
  const ta = a.previewMs ?? Number.NEGATIVE_INFINITY;
  const tb = b.previewMs ?? Number.NEGATIVE_INFINITY;
  return ta !== tb ? tb - ta : a.entry.ordinal - b.entry.ordinal;
}

/** Index of the first chat after the cursor. */
function startAfter(
  chats: readonly Keyed[],
  cursor: Record<string, unknown>,
  byPreview: boolean,
): number {
  const ordinal = cursor.o;
  const time = cursor.t;
  if (typeof ordinal !== "number" || (time !== null && typeof time !== "number"))
    throw invalidContinuationToken();
  const probe: Keyed = { entry: { ordinal } as ChatEntry, previewMs: time };
  const index = chats.findIndex((c) =>
    byPreview ? compareByPreview(c, probe) > 0 : c.entry.ordinal > ordinal,
  );
  return index < 0 ? chats.length : index;
}

/**
 * The list-vs-get quirk: a per-chat constant 1..skewMs earlier than the exact value
 * (which `GET /chats/{id}` and the ground truth keep).
 */
function skewed(entry: ChatEntry, skewMs: number): string {
  let hash = 0;
  for (const ch of entry.state.id) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return formatGraphTime(graphTimeToMs(entry.state.lastUpdatedDateTime) - 1 - (hash % skewMs));
}
