import { setImmediate as macrotask } from "node:timers/promises";

interface Timer {
  readonly atMs: number;
  readonly seq: number;
  readonly fire: () => void;
}

/**
 * A clock and sleep that only move when the test says so. `advanceTo` fires due timers in
 * time order and lets the promise chains they start run before moving on.
 */
export class FakeClock {
  #nowMs: number;
  #timers: Timer[] = [];
  #seq = 0;
  /** Every delay passed to sleep, in call order. */
  readonly sleeps: number[] = [];

  constructor(startMs = 0) {
    this.#nowMs = startMs;
  }

  readonly now = (): number => this.#nowMs;

  readonly sleep = (ms: number): Promise<void> =>
    new Promise((fire) => {
      this.sleeps.push(ms);
      this.#timers.push({ atMs: this.#nowMs + Math.max(0, ms), seq: this.#seq++, fire });
    });

  get pendingTimers(): number {
    return this.#timers.length;
  }

  async advanceTo(targetMs: number): Promise<void> {
    await settle();
    for (;;) {
      const next = this.#nextTimer();
      if (next === undefined || next.atMs > targetMs) break;
      this.#timers = this.#timers.filter((timer) => timer !== next);
      this.#nowMs = Math.max(this.#nowMs, next.atMs);
      next.fire();
      await settle();
    }
    this.#nowMs = Math.max(this.#nowMs, targetMs);
    await settle();
  }

  advanceBy(ms: number): Promise<void> {
    return this.advanceTo(this.#nowMs + ms);
  }

  /** Fires timers until `done` settles; fails if it needs more than `limitMs` of fake time. */
  async runUntil<T>(done: Promise<T>, limitMs = 3_600_000): Promise<T> {
    let settled = false;
    const tracked = done.finally(() => {
      settled = true;
    });
    await settle();
    while (!settled) {
      const next = this.#nextTimer();
      if (next === undefined) throw new Error("deadlock: nothing scheduled and not done");
      if (next.atMs > limitMs) throw new Error(`not done by ${limitMs} ms of fake time`);
      await this.advanceTo(next.atMs);
    }
    return tracked;
  }

  #nextTimer(): Timer | undefined {
    let best: Timer | undefined;
    for (const timer of this.#timers) {
      if (!best || timer.atMs < best.atMs || (timer.atMs === best.atMs && timer.seq < best.seq)) {
        best = timer;
      }
    }
    return best;
  }
}

/** Lets every queued promise continuation run (they may queue more). */
async function settle(): Promise<void> {
  await macrotask();
}
