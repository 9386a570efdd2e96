import { systemSleep, type Clock } from "../runtime.ts";

/**
 * Timers run on a monotonic clock that may stand still while the machine sleeps, so a long
 * timer can fire hours after its wall-clock moment. Waking at least this often bounds that.
 */
const MAX_TIMER_MS = 60_000;

/** Resolves once `now()` has reached `at`, or as soon as `signal` aborts. Never rejects. */
export async function sleepUntil(at: Date, now: Clock, signal: AbortSignal): Promise<void> {
  for (;;) {
    const remainingMs = at.getTime() - now().getTime();
    if (remainingMs <= 0 || signal.aborted) return;
    // Only the abort rejects: the loop then returns.
    await systemSleep(Math.min(remainingMs, MAX_TIMER_MS), signal).catch(() => undefined);
  }
}
