/**
 * Every chat's messages, generated on first use and forgotten again under memory
 * pressure (a skeleton is about 30 bytes a message and can always be rebuilt from the
 * seed), plus the overlay of what changed since startup, which is never forgotten. Every
 * live change gets the next number of the tenant's change sequence; delta queries read
 * the changes after the number their token carries.
 */
import {
  captureBasis,
  type ChatBasis,
  type MessageGenContext,
} from "../generate/message-context.ts";
import { generateMessage } from "../generate/message-content.ts";
import { buildTimeline, type ChatTimeline } from "../generate/message-timeline.ts";
import type { SimChatState, SimMessage } from "../model.ts";
import { Prng } from "../random.ts";
import { ChatView, overlayEntry, type OverlayEntry } from "./chat-view.ts";
import { DeltaLinks } from "./delta-links.ts";
import type { TimeKey } from "./time-key.ts";

interface Cached {
  readonly timeline: ChatTimeline | null;
  view?: ChatView;
  viewVersion: number;
}

interface Overlay {
  readonly entries: Map<string, OverlayEntry>;
  version: number;
}

export interface Change {
  readonly seq: number;
  readonly chatId: string;
  readonly messageId: string;
}

/** Skeleton messages kept in memory at most (about 32 MB); least recently used chats go first. */
export const DEFAULT_CACHED_MESSAGES = 1_000_000;
/** Generated messages kept whole (a few MB), for the members of a chat reading the same ones. */
const RECENT_MESSAGES = 2_000;

export class MessageStore {
  private readonly bases = new Map<string, ChatBasis>();
  private readonly cache = new Map<string, Cached>();
  private cachedMessages = 0;
  private readonly overlays = new Map<string, Overlay>();
  private readonly log: Change[] = [];
  private readonly recent = new Map<string, SimMessage>();
  private lastSeq = 0;
  /** No live message time may be sent earlier than this (the wire never goes backwards). */
  lastLiveKey: TimeKey;
  /** Draws of live message changes (edits, reactions): a stream of their own. */
  readonly rng: Prng;
  /** Draws of `simulateActivity` (which chats, which messages). */
  readonly activityRng: Prng;
  readonly deltaLinks = new DeltaLinks();

  constructor(
    readonly ctx: MessageGenContext,
    chats: readonly SimChatState[],
    private readonly cacheBudget = DEFAULT_CACHED_MESSAGES,
  ) {
    chats.forEach((chat, ordinal) => this.bases.set(chat.id, captureBasis(chat, ordinal)));
    this.lastLiveKey = { ms: ctx.nowMs - 1, ticks: 9999 };
    this.rng = Prng.from(ctx.seed, "live-messages");
    this.activityRng = Prng.from(ctx.seed, "activity");
  }

  /** The last number of the change sequence (0 before any live change). */
  get seq(): number {
    return this.lastSeq;
  }

  timeline(chatId: string): ChatTimeline | null {
    return this.cached(chatId).timeline;
  }

  /** The chat's messages in both orders, generated and live merged. */
  view(chatId: string): ChatView {
    const cached = this.cached(chatId);
    const overlay = this.overlays.get(chatId);
    const version = overlay?.version ?? 0;
    if (!cached.view || cached.viewVersion !== version) {
      cached.view = new ChatView(cached.timeline, overlay?.entries ?? new Map());
      cached.viewVersion = version;
    }
    return cached.view;
  }

  /** The message a view ref stands for, shared: copy it before handing it out or changing it. */
  messageAt(view: ChatView, ref: number): SimMessage {
    const live = view.overlayOf(ref);
    if (live) return live.message;
    const timeline = view.timeline;
    if (!timeline) throw new RangeError(`no message at ${ref}`);
    // Each member reading getAllMessages gets the same messages: recently made ones are kept.
    const key = `${timeline.basis.id}#${ref}`;
    let message = this.recent.get(key);
    if (message) {
      this.recent.delete(key);
    } else {
      message = generateMessage(timeline, this.ctx, ref);
      if (this.recent.size >= RECENT_MESSAGES) {
        const oldest = this.recent.keys().next();
        if (!oldest.done) this.recent.delete(oldest.value);
      }
    }
    this.recent.set(key, message);
    return message;
  }

  /** The change number of a message (0: as generated). */
  seqAt(view: ChatView, ref: number): number {
    return view.overlayOf(ref)?.seq ?? 0;
  }

  find(chatId: string, messageId: string): SimMessage | undefined {
    if (!/^\d+$/.test(messageId)) return undefined;
    const view = this.view(chatId);
    const ref = view.refOfId(Number(messageId));
    return ref < 0 ? undefined : this.messageAt(view, ref);
  }

  count(chatId: string): number {
    return this.view(chatId).size;
  }

  /** Every message of the chat, oldest first (deep copies). */
  all(chatId: string): SimMessage[] {
    const view = this.view(chatId);
    const refs = view.order("createdDateTime");
    const out: SimMessage[] = [];
    for (let i = refs.length - 1; i >= 0; i--) {
      out.push(structuredClone(this.messageAt(view, refs[i] ?? 0)));
    }
    return out;
  }

  /** Adds a message posted live. */
  post(chatId: string, message: SimMessage): void {
    this.record(chatId, message);
  }

  /** Changes a message (a copy of it: generated messages are never touched), records the change. */
  update(chatId: string, messageId: string, change: (message: SimMessage) => void): SimMessage {
    const current = this.find(chatId, messageId);
    if (!current) throw new RangeError(`no message ${messageId} in chat ${chatId}`);
    const next = structuredClone(current);
    change(next);
    this.record(chatId, next);
    return next;
  }

  /** Live changes numbered in (after, upTo], oldest first; a message changed twice is listed twice. */
  changes(after: number, upTo = this.lastSeq): Change[] {
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.log[mid]?.seq ?? 0) <= after) lo = mid + 1;
      else hi = mid;
    }
    const out: Change[] = [];
    for (let i = lo; i < this.log.length; i++) {
      const change = this.log[i] as Change;
      if (change.seq > upTo) break;
      out.push(change);
    }
    return out;
  }

  /** The overlay entry of a message changed live, or undefined. */
  live(chatId: string, messageId: string): OverlayEntry | undefined {
    return this.overlays.get(chatId)?.entries.get(messageId);
  }

  private record(chatId: string, message: SimMessage): void {
    const seq = ++this.lastSeq;
    let overlay = this.overlays.get(chatId);
    if (!overlay) {
      overlay = { entries: new Map(), version: 0 };
      this.overlays.set(chatId, overlay);
    }
    overlay.entries.set(message.id, overlayEntry(message, seq));
    overlay.version++;
    this.log.push({ seq, chatId, messageId: message.id });
  }

  private cached(chatId: string): Cached {
    let cached = this.cache.get(chatId);
    if (cached) {
      // Map order is recency order: move it to the end.
      this.cache.delete(chatId);
      this.cache.set(chatId, cached);
      return cached;
    }
    const basis = this.bases.get(chatId);
    const timeline = basis ? buildTimeline(basis, this.ctx) : null;
    cached = { timeline, viewVersion: -1 };
    this.cache.set(chatId, cached);
    this.cachedMessages += timeline?.n ?? 0;
    for (const [id, entry] of this.cache) {
      if (this.cachedMessages <= this.cacheBudget || id === chatId) break;
      this.cache.delete(id);
      this.cachedMessages -= entry.timeline?.n ?? 0;
    }
    return cached;
  }
}
