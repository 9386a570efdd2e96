/**
 * One rate-limit dimension (a tenant budget, or one user's or chat's within it), paced as
 * Graph counts: Graph's token bucket counts requests as they arrive, so grants leave evenly
 * spaced, `spacingMs` apart, with no burst credit. Each grant takes a slot on a schedule;
 * the next slot is `spacingMs` after the previous slot, never earlier. A grant that comes
 * late (a timer fired late behind other work, or the request waited for another dimension)
 * keeps at most `catchUpMs` of that lateness, so a busy event loop does not cost
 * throughput while late grants bunch at most `catchUpMs` worth of slots. On top of the
 * schedule, no one-second window ever holds more than `perSecondCap` grants: however late
 * timers fire, a second keeps the room the headroom left for arrival jitter.
 */
export class Pacer {
  readonly #spacingMs: number;
  readonly #catchUpMs: number;
  readonly #perSecondCap: number;
  /** The earliest time the next grant may go: the previous slot plus the spacing. */
  #nextSlotMs = -Infinity;
  #pausedUntilMs = -Infinity;
  /** The latest grants, oldest first; at most `perSecondCap` of them. */
  readonly #grantsMs: number[] = [];

  constructor(spacingMs: number, catchUpMs: number, perSecondCap = Infinity) {
    this.#spacingMs = spacingMs;
    this.#catchUpMs = catchUpMs;
    this.#perSecondCap = perSecondCap;
  }

  /** The earliest time a grant may go (never before `nowMs`). */
  readyAtMs(nowMs: number): number {
    const oldest = this.#grantsMs[0];
    const secondFreeAtMs =
      oldest !== undefined && this.#grantsMs.length >= this.#perSecondCap ? oldest + 1000 : nowMs;
    return Math.max(nowMs, this.#nextSlotMs, this.#pausedUntilMs, secondFreeAtMs);
  }

  /** Takes the slot of a grant made at `nowMs` (which must be ready). */
  take(nowMs: number): void {
    // A fresh schedule starts at its first grant. No credit for time spent paused: after
    // a Retry-After the schedule starts again at the pause's end.
    const lateSlotMs = this.#nextSlotMs === -Infinity ? nowMs : nowMs - this.#catchUpMs;
    const slotMs = Math.max(this.#nextSlotMs, lateSlotMs, this.#pausedUntilMs);
    this.#nextSlotMs = slotMs + this.#spacingMs;
    if (Number.isFinite(this.#perSecondCap)) {
      this.#grantsMs.push(nowMs);
      if (this.#grantsMs.length > this.#perSecondCap) this.#grantsMs.shift();
    }
  }

  pauseUntil(untilMs: number): void {
    this.#pausedUntilMs = Math.max(this.#pausedUntilMs, untilMs);
  }

  /** An idle pacer is no stricter than a fresh one, so it can be dropped. */
  isIdle(nowMs: number): boolean {
    const newest = this.#grantsMs.at(-1);
    return (
      this.#nextSlotMs <= nowMs - this.#catchUpMs &&
      this.#pausedUntilMs <= nowMs &&
      (newest === undefined || newest + 1000 <= nowMs)
    );
  }
}
