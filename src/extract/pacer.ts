/**
 * One rate-limit dimension (a tenant budget, or one user's or chat's within it), paced as
 * Graph counts: Graph's token bucket counts requests as they arrive, so grants leave evenly
 * spaced, `spacingMs` apart, with no burst credit. Each grant takes a slot on a schedule;
 * the next slot is `spacingMs` after the previous slot, never earlier. A grant that comes
 * late (a timer fired late behind other work, or the request waited for another dimension)
 * keeps at most `catchUpMs` of that lateness, so that a busy event loop does not cost
 * throughput, yet late grants cannot bunch beyond `catchUpMs` worth of slots. In any
 * window of L ms a pacer grants at most 1 + floor((L + catchUpMs) / spacingMs) requests.
 */
export class Pacer {
  readonly #spacingMs: number;
  readonly #catchUpMs: number;
  /** The earliest time the next grant may go: the previous slot plus the spacing. */
  #nextSlotMs = -Infinity;
  #pausedUntilMs = -Infinity;

  constructor(spacingMs: number, catchUpMs: number) {
    this.#spacingMs = spacingMs;
    this.#catchUpMs = catchUpMs;
  }

  /** The earliest time a grant may go (never before `nowMs`). */
  readyAtMs(nowMs: number): number {
    return Math.max(nowMs, this.#nextSlotMs, this.#pausedUntilMs);
  }

  /** Takes the slot of a grant made at `nowMs` (which must be ready). */
  take(nowMs: number): void {
    // A fresh schedule starts at its first grant. No credit for time spent paused: after
    // a Retry-After the schedule starts again at the pause's end.
    const lateSlotMs = this.#nextSlotMs === -Infinity ? nowMs : nowMs - this.#catchUpMs;
    const slotMs = Math.max(this.#nextSlotMs, lateSlotMs, this.#pausedUntilMs);
    this.#nextSlotMs = slotMs + this.#spacingMs;
  }

  pauseUntil(untilMs: number): void {
    this.#pausedUntilMs = Math.max(this.#pausedUntilMs, untilMs);
  }

  /** An idle pacer is no stricter than a fresh one, so it can be dropped. */
  isIdle(nowMs: number): boolean {
    return this.#nextSlotMs <= nowMs - this.#catchUpMs && this.#pausedUntilMs <= nowMs;
  }
}
