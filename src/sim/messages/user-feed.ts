/**
 * Every message of every chat a user is in, chat by chat (creation order), each chat's
 * newest change first: what `getAllMessages` and the first round of its delta walk. A
 * chat's messages come once per member asking, as in Graph. Lazy: a page builds only the
 * chats it reaches.
 */
import type { ChatEntry, TenantStore } from "../tenant/store.ts";
import type { ChatView, KeyRange } from "./chat-view.ts";
import type { SimMessage } from "../model.ts";

export interface FeedCursor {
  /** Ordinal of the chat of the last message served. */
  readonly o: number;
  readonly k: number;
  readonly t: number;
  readonly i: number;
}

export interface FeedItem {
  readonly entry: ChatEntry;
  readonly view: ChatView;
  readonly ref: number;
}

export interface FeedOptions {
  readonly range: KeyRange;
  readonly after?: FeedCursor;
  /** Leave out messages changed live after this change number (delta rounds). */
  readonly maxSeq?: number;
}

export function* userFeed(
  store: TenantStore,
  userId: string,
  options: FeedOptions,
): Generator<FeedItem> {
  const chats = store.chatsOfUser(userId);
  const after = options.after;
  let first = 0;
  if (after) while (first < chats.length && (chats[first]?.ordinal ?? 0) < after.o) first++;
  for (let c = first; c < chats.length; c++) {
    const entry = chats[c] as ChatEntry;
    const view = store.messages.view(entry.state.id);
    const refs = view.order("lastModifiedDateTime");
    const span = view.span("lastModifiedDateTime", options.range);
    let start = span[0];
    const end = span[1];
    if (after && entry.ordinal === after.o) {
      start = Math.max(
        start,
        view.positionAfter("lastModifiedDateTime", {
          key: { ms: after.k, ticks: after.t },
          idMs: after.i,
        }),
      );
    }
    for (let p = start; p < end; p++) {
      const ref = refs[p] ?? 0;
      if (options.maxSeq !== undefined && store.messages.seqAt(view, ref) > options.maxSeq)
        continue;
      yield { entry, view, ref };
    }
  }
}

export function feedCursor(item: FeedItem): FeedCursor {
  const cursor = item.view.cursorAt("lastModifiedDateTime", item.ref);
  return { o: item.entry.ordinal, k: cursor.key.ms, t: cursor.key.ticks, i: cursor.idMs };
}

/** Up to `top` items and whether more follow. */
export function takePage(
  feed: Generator<FeedItem>,
  top: number,
  store: TenantStore,
): { items: { item: FeedItem; message: SimMessage }[]; more: boolean } {
  const items: { item: FeedItem; message: SimMessage }[] = [];
  for (const item of feed) {
    if (items.length === top) return { items, more: true };
    items.push({ item, message: store.messages.messageAt(item.view, item.ref) });
  }
  return { items, more: false };
}
