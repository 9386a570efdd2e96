import { defineGraphConfig, type GraphConfigInput } from "../../../src/extract/graph-config.ts";
import { createGraphHttpClient, type GraphHttpClient } from "../../../src/extract/http-client.ts";
import type { TokenProvider } from "../../../src/extract/auth.ts";
import type { RateLimiter, RateLimitTarget } from "../../../src/extract/rate-limiter.ts";
import type { ExtractLogger } from "../../../src/extract/logger.ts";
import type { Now, Sleep } from "../../../src/runtime.ts";

/** Distinctive, so a search for it in errors and logs cannot match anything else. */
export const testToken = "eyJ0eXAi.TEST-BEARER-7f3a9c51d2.signature";

/** A limiter that grants at once and remembers what it was asked, to check the client's calls. */
export function recordingLimiter(): RateLimiter & {
  readonly acquired: RateLimitTarget[];
  readonly paused: { target: RateLimitTarget; durationMs: number }[];
} {
  const acquired: RateLimitTarget[] = [];
  const paused: { target: RateLimitTarget; durationMs: number }[] = [];
  return {
    acquired,
    paused,
    acquire: (target) => {
      acquired.push(target);
      return Promise.resolve();
    },
    pause: (target, durationMs) => {
      paused.push({ target, durationMs });
    },
    stats: () => ({ waiting: 0, trackedKeys: 0 }),
  };
}

export interface Harness {
  readonly http: GraphHttpClient;
  readonly limiter: ReturnType<typeof recordingLimiter>;
  /** Delays the client slept for (instantly). */
  readonly sleeps: number[];
  readonly tokenRequests: () => number;
}

export interface HarnessOptions extends Partial<Omit<GraphConfigInput, "auth" | "baseUrl">> {
  readonly logger?: ExtractLogger;
  /** A clock for the client; its sleeps are recorded and then passed to `clock.sleep`. */
  readonly clock?: { readonly now: Now; readonly sleep: Sleep };
  readonly limiter?: RateLimiter;
  readonly tokenProvider?: TokenProvider;
}

export function buildClient(baseUrl: string, overrides: HarnessOptions = {}): Harness {
  const { logger, clock, limiter: givenLimiter, tokenProvider, ...configOverrides } = overrides;
  const config = defineGraphConfig({
    baseUrl,
    auth: { kind: "static", token: testToken },
    requestTimeoutMs: 2000,
    ...configOverrides,
    retry: {
      maxAttempts: 4,
      baseDelayMs: 100,
      maxDelayMs: 1000,
      jitterRatio: 0.2,
      ...configOverrides.retry,
    },
  });
  const limiter = recordingLimiter();
  const sleeps: number[] = [];
  let tokenRequests = 0;
  const http = createGraphHttpClient(config, {
    tokenProvider: tokenProvider ?? {
      getToken: () => {
        tokenRequests++;
        return Promise.resolve(testToken);
      },
    },
    limiter: givenLimiter ?? limiter,
    sleep: (ms) => {
      sleeps.push(ms);
      return clock ? clock.sleep(ms) : Promise.resolve();
    },
    now: clock?.now,
    random: () => 0.5,
    logger,
  });
  return { http, limiter, sleeps, tokenRequests: () => tokenRequests };
}
