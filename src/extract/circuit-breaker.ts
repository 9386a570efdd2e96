import { setMaxListeners } from "node:events";
import { GraphUnavailableError } from "../errors.ts";
import type { Now } from "../runtime.ts";

/**
 * When Graph counts as down. Both must hold, so a short outage costs retries and not the
 * run, and a slow trickle of failures among answers never stops it.
 */
export interface CircuitBreakerPolicy {
  /** No answer other than a 5xx or a network failure for this long (wall time). */
  readonly windowMs: number;
  /** And at least this many failed attempts in a row. */
  readonly minFailures: number;
}

export const defaultCircuitBreaker: CircuitBreakerPolicy = Object.freeze({
  windowMs: 60_000,
  // Each user's request retries several times: 20 in a row is several users' worth.
  minFailures: 20,
});

/**
 * Run-wide stop for a Graph that answers only 5xx (or not at all). Any other answer,
 * 4xx and 429 included, shows Graph is there and resets it. Once open it stays open:
 * every request, waiting or new, fails at once with the same one-line error.
 */
export class CircuitBreaker {
  readonly #policy: CircuitBreakerPolicy;
  readonly #now: Now;
  readonly #stop = new AbortController();
  #lastAnswerAtMs: number;
  #failuresInRow = 0;
  #open: GraphUnavailableError | undefined;

  constructor(policy: CircuitBreakerPolicy, now: Now) {
    this.#policy = policy;
    this.#now = now;
    this.#lastAnswerAtMs = now();
    // Every request in flight, asleep or queued listens: far more than the default ten,
    // which would print a leak warning on a busy run.
    setMaxListeners(0, this.#stop.signal);
  }

  /** Aborted, with the error as its reason, when the breaker opens. */
  get signal(): AbortSignal {
    return this.#stop.signal;
  }

  /** The error every request gets once Graph is considered down. */
  get open(): GraphUnavailableError | undefined {
    return this.#open;
  }

  /** One finished attempt: its HTTP status, 0 when no response came. */
  record(status: number): void {
    if (this.#open) return;
    if (status > 0 && status < 500) {
      this.#lastAnswerAtMs = this.#now();
      this.#failuresInRow = 0;
      return;
    }
    this.#failuresInRow++;
    const silentMs = this.#now() - this.#lastAnswerAtMs;
    if (silentMs >= this.#policy.windowMs && this.#failuresInRow >= this.#policy.minFailures) {
      const seconds = Math.round(silentMs / 1000);
      this.#open = new GraphUnavailableError(
        `Graph answered only 5xx or network errors for the last ${seconds} s ` +
          `(${this.#failuresInRow} requests in a row); stopping the run`,
        { failedAttempts: this.#failuresInRow, unansweredForMs: silentMs },
      );
      this.#stop.abort(this.#open);
    }
  }

  /** Throws the breaker's error when it is open. */
  check(): void {
    if (this.#open) throw this.#open;
  }

  /** `promise`, or the breaker's error as soon as it opens, whichever comes first. */
  race<T>(promise: Promise<T>): Promise<T> {
    this.check();
    const signal = this.#stop.signal;
    return new Promise<T>((resolve, reject) => {
      const onOpen = (): void => reject(signal.reason as Error);
      signal.addEventListener("abort", onOpen, { once: true });
      promise.then(
        (value) => {
          signal.removeEventListener("abort", onOpen);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener("abort", onOpen);
          reject(error as Error);
        },
      );
    });
  }
}
