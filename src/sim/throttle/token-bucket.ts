/**
 * A token bucket: `ratePerSecond` tokens accrue continuously up to `capacity`; a request
 * costs one. `toleranceMs` forgives a request that arrives that much early (timer and
 * scheduling jitter), by letting the bucket go into that much debt; the debt carries
 * over, so a client that is consistently faster than the rate is still caught.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    readonly ratePerSecond: number,
    readonly capacity: number,
    nowMs: number,
  ) {
    this.tokens = capacity;
    this.updatedAt = nowMs;
  }

  /** Milliseconds until a request may pass (0: now). */
  waitMs(nowMs: number, toleranceMs: number): number {
    this.refill(nowMs);
    const needed = 1 - (this.ratePerSecond * toleranceMs) / 1000;
    return this.tokens >= needed ? 0 : ((needed - this.tokens) / this.ratePerSecond) * 1000;
  }

  take(nowMs: number): void {
    this.refill(nowMs);
    this.tokens -= 1;
  }

  private refill(nowMs: number): void {
    const elapsed = Math.max(0, nowMs - this.updatedAt);
    this.tokens = Math.min(this.capacity, this.tokens + (elapsed * this.ratePerSecond) / 1000);
    this.updatedAt = Math.max(this.updatedAt, nowMs);
  }
}
