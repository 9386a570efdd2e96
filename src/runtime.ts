/**
 * The process's clocks, timers and randomness, as plain function types that every stage
 * takes injected, with the system implementations beside them: tests pass fake ones and
 * run instantly and deterministically. Code that waits, reads the time or draws a random
 * number takes one of these (or calls the system one) rather than its own setTimeout.
 */

/** Milliseconds: since the epoch (systemNow), or on a monotonic scale (monotonicNow). */
export type Now = () => number;

/** The current wall-clock time, for what is stamped on rows and compared with them. */
export type Clock = () => Date;

/**
 * Resolves after `ms` (at once for 0 or less). With a signal, rejects with the signal's
 * reason as soon as it aborts, already aborted included.
 */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** A number in [0, 1). */
export type Random = () => number;

export const systemNow: Now = () => Date.now();

/** performance.now(): never jumps with the wall clock, for pacing and timeouts. */
export const monotonicNow: Now = () => performance.now();

export const systemClock: Clock = () => new Date();

export const systemRandom: Random = () => Math.random();

export const systemSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener("abort", onAbort, { once: true });
  });
