/**
 * One rate-limit dimension (a tenant budget, or one user's or chat's within it), paced as
 * Graph counts: Graph's token bucket counts requests as they arrive, so grants leave evenly
 * spaced, `spacingMs` apart, with no burst credit. Each grant takes a slot on a schedule;
 * the next slot is `spacingMs` after the previous slot, never earlier. A grant that comes
 * late (a timer fired late, or the request had to wait for another dimension) stays on the
 * schedule if it is at most `catchUpMs` late, else the schedule starts again at the grant:
 * enough that timer granularity does not cost throughput, too little to let late grants
 * bunch. In any window of L ms a pacer grants at most 1 + floor((L + catchUpMs) / spacingMs)
 * requests.
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
    // On schedule if at most `catchUpMs` late; later (or first, or idle) starts afresh at
    // now. No credit for time spent paused: after a Retry-After the schedule starts afresh.
    const onSchedule = nowMs - this.#nextSlotMs <= this.#catchUpMs;
    const slotMs = Math.max(onSchedule ? this.#nextSlotMs : nowMs, this.#pausedUntilMs);
    this.#nextSlotMs = slotMs + this.#spacingMs;
  }

  pauseUntil(untilMs: number): void {
    this.#pausedUntilMs = Math.max(this.#pausedUntilMs, untilMs);
  }

  /** An idle pacer behaves as a fresh one would, so it can be dropped. */
  isIdle(nowMs: number): boolean {
    return this.#nextSlotMs < nowMs - this.#catchUpMs && this.#pausedUntilMs <= nowMs;
  }
}
