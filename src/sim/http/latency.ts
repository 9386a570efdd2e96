/**
 * How long a response is held back: `latencyMs`, varied uniformly within ± `latencyJitterMs`
 * (never below 0), drawn from a seeded stream so a seed gives the same sequence of delays.
 * Applied after the throttle, which counts a request when it arrives: jitter changes when
 * answers come back, not when requests are counted.
 */
import type { Prng } from "../random.ts";

export function responseLatencyMs(
  settings: { readonly latencyMs: number; readonly latencyJitterMs: number },
  random: Prng,
): number {
  const { latencyMs, latencyJitterMs } = settings;
  if (latencyJitterMs <= 0) return latencyMs;
  return Math.max(0, latencyMs + (2 * random.next() - 1) * latencyJitterMs);
}
