import type { WindowLimit } from "./rate-limits.ts";

/**
 * One rate-limit dimension (a tenant budget, or one user's or chat's): at most
 * `maxRequests` grants in any half-open window of `windowMs`. A sliding log rather than a
 * token bucket, because a bucket lets a full burst follow a refill and so up to twice the
 * rate land inside one second, which is exactly what Graph counts.
 */
export class SlidingWindow {
  readonly #limit: WindowLimit;
  /** The latest grants, oldest first; never more than `maxRequests` of them. */
  readonly #grantsMs: number[] = [];
  #pausedUntilMs = -Infinity;

  constructor(limit: WindowLimit) {
    this.#limit = limit;
  }

  /** The earliest time a new grant would keep the limit (and any pause). */
  readyAtMs(nowMs: number): number {
    const { maxRequests, windowMs } = this.#limit;
    const oldest = this.#grantsMs[0];
    const windowFreeAt =
      this.#grantsMs.length < maxRequests || oldest === undefined ? nowMs : oldest + windowMs;
    return Math.max(nowMs, windowFreeAt, this.#pausedUntilMs);
  }

  record(nowMs: number): void {
    if (!Number.isFinite(this.#limit.maxRequests)) return;
    this.#grantsMs.push(nowMs);
    if (this.#grantsMs.length > this.#limit.maxRequests) this.#grantsMs.shift();
  }

  pauseUntil(untilMs: number): void {
    this.#pausedUntilMs = Math.max(this.#pausedUntilMs, untilMs);
  }

  /** Idle windows carry no state a fresh one would not, so they can be dropped. */
  isIdle(nowMs: number): boolean {
    const newest = this.#grantsMs.at(-1);
    const drained = newest === undefined || newest + this.#limit.windowMs <= nowMs;
    return drained && this.#pausedUntilMs <= nowMs;
  }
}
