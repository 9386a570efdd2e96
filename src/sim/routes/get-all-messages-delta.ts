/**
 * `GET /users/{id}/chats/getAllMessages/delta`. A first round (optionally `$top` and
 * `$filter=lastModifiedDateTime gt …`, nothing else) returns the user's messages of the
 * last eight months as they are when the round starts, page by page, and ends with an
 * `@odata.deltaLink`. A round started from that link returns what changed since:
 * changed, new and deleted messages of the user's chats (latest state, each once, in
 * change order). Messages changed during a round come in the next one. A delta link
 * unused for 7 simulated days answers 410 `resyncRequired`.
 */
import type { GraphRequest, SimContext } from "../http/context.ts";
import type { RouteOutput } from "../http/graph-response.ts";
import {
  messageOptions,
  parseMessageFilter,
  parseMessageTop,
  rangeOf,
} from "../http/message-query.ts";
import { invalidContinuationToken, type Cursor } from "../http/skiptoken.ts";
import { deltaHistoryStart } from "../messages/delta-links.ts";
import { compareKeys, type TimeKey } from "../messages/time-key.ts";
import { feedCursor, takePage, userFeed } from "../messages/user-feed.ts";
import type { SimMessage } from "../model.ts";
import { userNotFound } from "../sim-error.ts";
import type { TenantStore } from "../tenant/store.ts";
import { feedCursorOf } from "./get-all-messages.ts";
import { messageItem, preferUnknown } from "./message-page.ts";

/**
 * A round in progress, carried by `$skiptoken` (short keys: it travels in every URL).
 * `r`: the last change number the round covers; `top`: page size. A first round adds
 * `fk`/`ft`, the oldest `lastModifiedDateTime` it returns, and `o`/`k`/`t`/`i`, the feed
 * cursor; a later round `s`, the change number it starts after (then the last one served).
 */
type Round =
  | {
      m: "initial";
      r: number;
      top: number;
      fk: number;
      ft: number;
      o?: number;
      k?: number;
      t?: number;
      i?: number;
    }
  | { m: "changes"; r: number; top: number; s: number };

export function getAllMessagesDelta(ctx: SimContext, req: GraphRequest): RouteOutput {
  const user = req.user;
  if (!user) throw userNotFound(req.route.userRef ?? "");
  const messages = ctx.store.messages;
  const listing = `delta:${user.id}`;
  const now = ctx.store.clock.nowMs();
  const round = startOrResume(ctx, req, listing, now);
  const prefer = preferUnknown(req.headers.prefer);
  const page =
    round.m === "initial"
      ? initialPage(ctx.store, user.id, round)
      : changesPage(ctx.store, user.id, round);
  const base = `${ctx.origin}${req.url.pathname}`;
  const items = page.messages.map((m) => messageItem(m, prefer.include, true));
  const next: Cursor | null = page.next;
  return {
    status: 200,
    headers: prefer.headers,
    page: {
      context: `${ctx.origin}/${req.route.version ?? "v1.0"}/$metadata#Collection(chatMessage)`,
      items,
      nextLink:
        next === null
          ? null
          : `${base}?$skiptoken=${encodeURIComponent(ctx.skipTokens.encode(listing, next))}`,
      deltaLink:
        next === null
          ? `${base}?$deltatoken=${encodeURIComponent(
              ctx.skipTokens.encode(listing, {
                n: messages.deltaLinks.issue(now),
                s: round.r,
                top: round.top,
              }),
            )}`
          : undefined,
      firstPageUrl: base,
    },
  };
}

/** The round a request continues (`$skiptoken`), starts from a delta link, or starts anew. */
function startOrResume(ctx: SimContext, req: GraphRequest, listing: string, now: number): Round {
  const messages = ctx.store.messages;
  const skiptoken = req.query.get("$skiptoken");
  if (skiptoken !== null) return roundOf(ctx.skipTokens.decode(listing, skiptoken));
  const deltatoken = req.query.get("$deltatoken");
  if (deltatoken !== null) {
    const state = ctx.skipTokens.decode(listing, deltatoken);
    if (typeof state.n !== "number" || typeof state.s !== "number" || typeof state.top !== "number")
      throw invalidContinuationToken();
    messages.deltaLinks.use(state.n, now);
    return { m: "changes", r: messages.seq, top: state.top, s: state.s };
  }
  const options = messageOptions(req.query, ["$top", "$filter"]);
  const clauses = parseMessageFilter(options.get("$filter"), {
    lastModifiedDateTime: ["gt"],
    createdDateTime: [],
  });
  const history: TimeKey = { ms: deltaHistoryStart(now), ticks: 0 };
  const given = rangeOf(clauses, "lastModifiedDateTime").after;
  const floor = given !== undefined && compareKeys(given, history) > 0 ? given : history;
  const top = parseMessageTop(options);
  return { m: "initial", r: messages.seq, top, fk: floor.ms, ft: floor.ticks };
}

interface DeltaPage {
  readonly messages: SimMessage[];
  /** The round state for the next page, or null when the round is complete. */
  readonly next: Cursor | null;
}

function initialPage(
  store: TenantStore,
  userId: string,
  round: Extract<Round, { m: "initial" }>,
): DeltaPage {
  const after =
    round.o === undefined
      ? undefined
      : { o: round.o, k: round.k ?? 0, t: round.t ?? 0, i: round.i ?? 0 };
  const feed = userFeed(store, userId, {
    range: { after: { ms: round.fk, ticks: round.ft } },
    after,
    maxSeq: round.r,
  });
  const page = takePage(feed, round.top, store);
  const last = page.items[page.items.length - 1];
  return {
    messages: page.items.map((i) => i.message),
    next: page.more && last ? { ...round, ...feedCursor(last.item) } : null,
  };
}

function changesPage(
  store: TenantStore,
  userId: string,
  round: Extract<Round, { m: "changes" }>,
): DeltaPage {
  const out: SimMessage[] = [];
  let lastSeq = round.s;
  for (const change of store.messages.changes(round.s, round.r)) {
    const entry = store.findChat(change.chatId);
    const live = store.messages.live(change.chatId, change.messageId);
    // Only a message's latest change counts (an earlier one is superseded by it).
    if (!entry || !(userId in entry.state.viewpoints) || live?.seq !== change.seq) continue;
    if (out.length === round.top) return { messages: out, next: { ...round, s: lastSeq } };
    out.push(live.message);
    lastSeq = change.seq;
  }
  return { messages: out, next: null };
}

function roundOf(payload: Cursor): Round {
  const { m, r, top } = payload;
  if (typeof r !== "number" || typeof top !== "number") throw invalidContinuationToken();
  if (m === "changes" && typeof payload.s === "number") return { m, r, top, s: payload.s };
  if (m === "initial" && typeof payload.fk === "number" && typeof payload.ft === "number") {
    const after = payload.o === undefined ? {} : feedCursorOf(payload);
    return { m, r, top, fk: payload.fk, ft: payload.ft, ...after };
  }
  throw invalidContinuationToken();
}
