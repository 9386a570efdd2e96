/**
 * One chat's messages in the two orders Graph lists them (`lastModifiedDateTime desc`,
 * the default, and `createdDateTime desc`; ties by id desc): the generated skeleton
 * merged with the live overlay (messages changed or posted since startup). Positions
 * are found by binary search on the wire values, so `$filter` bounds and `$skiptoken`
 * cursors cost O(log n) whatever the chat's size.
 */
import type { ChatTimeline } from "../generate/message-timeline.ts";
import type { SimMessage } from "../model.ts";
import { compareKeys, requireTimeKey, type TimeKey } from "./time-key.ts";

export type MessageOrder = "lastModifiedDateTime" | "createdDateTime";

/** A message changed or posted live: the whole message, its keys and its change number. */
export interface OverlayEntry {
  readonly message: SimMessage;
  readonly idMs: number;
  readonly created: TimeKey;
  readonly modified: TimeKey;
  /** Position in the tenant's change sequence (delta queries use it). */
  readonly seq: number;
}

export function overlayEntry(message: SimMessage, seq: number): OverlayEntry {
  return {
    message,
    idMs: Number(message.id),
    created: requireTimeKey(message.createdDateTime),
    modified: requireTimeKey(message.lastModifiedDateTime),
    seq,
  };
}

/** Where a listing resumes: after the message with this key and id. */
export interface Cursor {
  readonly key: TimeKey;
  readonly idMs: number;
}

export interface KeyRange {
  /** Exclusive lower bound (`gt`). */
  readonly after?: TimeKey;
  /** Exclusive upper bound (`lt`). */
  readonly before?: TimeKey;
}

/** A reference: below `n`, an index into the skeleton; from `n`, into the overlay list. */
type Ref = number;

export class ChatView {
  private readonly n: number;
  private readonly overlay: readonly OverlayEntry[];
  private readonly orders = new Map<MessageOrder, Uint32Array>();
  private overriddenCache: Set<number> | undefined;

  constructor(
    readonly timeline: ChatTimeline | null,
    overlay: ReadonlyMap<string, OverlayEntry>,
  ) {
    this.n = timeline?.n ?? 0;
    this.overlay = [...overlay.values()];
  }

  get size(): number {
    return this.order("createdDateTime").length;
  }

  /** Refs of the messages in `order`, newest first. */
  order(order: MessageOrder): Uint32Array {
    let refs = this.orders.get(order);
    if (!refs) {
      refs = this.build(order);
      this.orders.set(order, refs);
    }
    return refs;
  }

  key(order: MessageOrder, ref: Ref): TimeKey {
    const t = this.timeline;
    if (ref < this.n && t) {
      return order === "createdDateTime"
        ? { ms: t.times.createdMs[ref] ?? 0, ticks: t.times.createdTicks[ref] ?? 0 }
        : { ms: t.modifiedMs[ref] ?? 0, ticks: t.modifiedTicks[ref] ?? 0 };
    }
    const entry = this.entry(ref);
    return order === "createdDateTime" ? entry.created : entry.modified;
  }

  idMs(ref: Ref): number {
    return ref < this.n ? (this.timeline?.times.idMs[ref] ?? 0) : this.entry(ref).idMs;
  }

  /** The overlay entry of a ref, or undefined for a generated message. */
  overlayOf(ref: Ref): OverlayEntry | undefined {
    return ref < this.n ? undefined : this.entry(ref);
  }

  /** [start, end) positions in `order` of the messages inside `range`. */
  span(order: MessageOrder, range: KeyRange): [number, number] {
    const refs = this.order(order);
    const { before, after } = range;
    // Newest first: keys fall along the positions.
    const start =
      before === undefined
        ? 0
        : this.firstWhere(refs, (ref) => compareKeys(this.key(order, ref), before) < 0);
    const end =
      after === undefined
        ? refs.length
        : this.firstWhere(refs, (ref) => compareKeys(this.key(order, ref), after) <= 0);
    return [start, Math.max(start, end)];
  }

  /** The first position after the cursor's message (by key, then id). */
  positionAfter(order: MessageOrder, cursor: Cursor): number {
    const refs = this.order(order);
    return this.firstWhere(refs, (ref) => this.compareDesc(order, ref, cursor) > 0);
  }

  cursorAt(order: MessageOrder, ref: Ref): Cursor {
    return { key: this.key(order, ref), idMs: this.idMs(ref) };
  }

  /** Position of a message id, or -1. */
  refOfId(idMs: number): Ref {
    const overlay = this.overlay.findIndex((e) => e.idMs === idMs);
    if (overlay >= 0) return this.n + overlay;
    const ids = this.timeline?.times.idMs;
    if (!ids) return -1;
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((ids[mid] ?? 0) < idMs) lo = mid + 1;
      else hi = mid;
    }
    return ids[lo] === idMs && !this.overridden().has(lo) ? lo : -1;
  }

  /** Positive when `ref` sorts after the cursor (older, or same key and lower id). */
  private compareDesc(order: MessageOrder, ref: Ref, cursor: Cursor): number {
    const c = compareKeys(cursor.key, this.key(order, ref));
    return c !== 0 ? c : cursor.idMs - this.idMs(ref);
  }

  private firstWhere(refs: Uint32Array, test: (ref: Ref) => boolean): number {
    let lo = 0;
    let hi = refs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (test(refs[mid] ?? 0)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private entry(ref: Ref): OverlayEntry {
    const entry = this.overlay[ref - this.n];
    if (!entry) throw new RangeError(`no message at ${ref}`);
    return entry;
  }

  /** Skeleton indices whose message lives in the overlay now. */
  private overridden(): Set<number> {
    if (this.overriddenCache) return this.overriddenCache;
    const set = new Set<number>();
    const ids = this.timeline?.times.idMs;
    if (ids) {
      for (const entry of this.overlay) {
        let lo = 0;
        let hi = ids.length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if ((ids[mid] ?? 0) < entry.idMs) lo = mid + 1;
          else hi = mid;
        }
        if (ids[lo] === entry.idMs) set.add(lo);
      }
    }
    this.overriddenCache = set;
    return set;
  }

  private build(order: MessageOrder): Uint32Array {
    const t = this.timeline;
    if (t && this.overlay.length === 0) {
      if (order === "lastModifiedDateTime") return t.byModified;
      return Uint32Array.from({ length: t.n }, (_, i) => t.n - 1 - i);
    }
    const overridden = this.overridden();
    const base: number[] = [];
    if (t) {
      if (order === "lastModifiedDateTime") {
        for (const i of t.byModified) if (!overridden.has(i)) base.push(i);
      } else {
        for (let i = t.n - 1; i >= 0; i--) if (!overridden.has(i)) base.push(i);
      }
    }
    if (this.overlay.length === 0) return Uint32Array.from(base);
    const extra = this.overlay.map((_, i) => this.n + i);
    const newestFirst = (a: Ref, b: Ref): number => {
      const c = compareKeys(this.key(order, b), this.key(order, a));
      return c !== 0 ? c : this.idMs(b) - this.idMs(a);
    };
    extra.sort(newestFirst);
    const merged = new Uint32Array(base.length + extra.length);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < base.length || j < extra.length) {
      const a = base[i];
      const b = extra[j];
      if (b === undefined || (a !== undefined && newestFirst(a, b) <= 0)) {
        merged[k++] = a ?? 0;
        i++;
      } else {
        merged[k++] = b;
        j++;
      }
    }
    return merged;
  }
}
