import { randomUUID } from "node:crypto";
import { GraphHttpError, GraphProtocolError, type SyncError } from "../errors.ts";
import type { TokenProvider } from "./auth.ts";
import { CircuitBreaker } from "./circuit-breaker.ts";
import type { GraphConfig } from "./graph-config.ts";
import {
  describeContext,
  errorContext,
  logContext,
  type GraphRequestOptions,
  type GraphResponse,
} from "./graph-request.ts";
import { requireGraphOrigin } from "./graph-urls.ts";
import { maskKnownSecrets } from "./known-secrets.ts";
import type { RateLimiter } from "./rate-limiter.ts";
import {
  classifyFailure,
  DEFAULT_MAX_THROTTLED,
  nextDelayMs,
  type Classification,
} from "./retry-policy.ts";
import {
  systemNow,
  systemRandom,
  systemSleep,
  type Now,
  type Random,
  type Sleep,
} from "../runtime.ts";
import { silentLogger, type ExtractLogger } from "./logger.ts";
import { sendOnce, type FailedAttempt, type SendOnceDeps } from "./send-once.ts";
import { fetchTransport, undiciTransport, type GraphTransport } from "./transport.ts";

export type { GraphRequestOptions, GraphResponse } from "./graph-request.ts";

export interface GraphHttpClient {
  getJson<T = unknown>(url: string, options: GraphRequestOptions): Promise<GraphResponse<T>>;
}

/** Totals since the client was made, for run summaries and progress. */
export interface GraphCounters {
  /** Requests sent (every attempt, retries and redirects included). */
  readonly requests: number;
  /** 429 answers. */
  readonly throttled: number;
  /** Attempts repeated after a retryable failure. */
  readonly retries: number;
}

/** Graph's clock as its responses told it: the first and the latest Date header seen. */
export interface ServerTime {
  first: Date | null;
  latest: Date | null;
}

export interface CountingGraphHttpClient extends GraphHttpClient {
  counters(): GraphCounters;
  serverTime(): Readonly<ServerTime>;
}

export interface GraphHttpClientDeps {
  readonly tokenProvider: TokenProvider;
  readonly limiter: RateLimiter;
  /** How requests are sent (default: undici, see transport.ts). */
  readonly transport?: GraphTransport;
  /**
   * Sends requests through this fetch instead (tests that watch requests). fetch decodes
   * bodies itself, so only the size cap, not the expansion guard, applies to them.
   */
  readonly fetch?: typeof fetch;
  readonly sleep?: Sleep;
  readonly now?: Now;
  readonly random?: Random;
  readonly logger?: ExtractLogger;
  readonly newClientRequestId?: () => string;
}

const maxRedirects = 5;

/**
 * The one HTTP layer in front of Graph: origin guard, rate limits, bearer token, request
 * ids, timeout, body limits, retry, one token refresh on a 401, and a run-wide stop when
 * Graph answers nothing but 5xx. Only GET: the pipeline reads and never writes.
 */
export function createGraphHttpClient(
  settings: Pick<
    GraphConfig,
    | "origin"
    | "requestTimeoutMs"
    | "retry"
    | "maxResponseBytes"
    | "maxExpansionRatio"
    | "circuitBreaker"
  >,
  injected: GraphHttpClientDeps,
): CountingGraphHttpClient {
  const now = injected.now ?? systemNow;
  const breaker = new CircuitBreaker(settings.circuitBreaker, now);
  // A request waiting for the limiter fails as soon as the breaker opens.
  const deps = { ...injected, limiter: breakerAware(injected.limiter, breaker) };
  const sleep = deps.sleep ?? systemSleep;
  const random = deps.random ?? systemRandom;
  const logger = deps.logger ?? silentLogger;
  const policy = settings.retry;
  const sendDeps: SendOnceDeps = {
    tokenProvider: deps.tokenProvider,
    transport: deps.transport ?? (deps.fetch ? fetchTransport(deps.fetch) : undiciTransport()),
    now,
    logger,
    newClientRequestId: deps.newClientRequestId ?? randomUUID,
    requestTimeoutMs: settings.requestTimeoutMs,
    bodyLimits: {
      maxBytes: settings.maxResponseBytes,
      maxExpansionRatio: settings.maxExpansionRatio,
    },
    stop: breaker.signal,
  };

  const counts = { requests: 0, throttled: 0, retries: 0 };
  /** Graph's own clock, from its responses' Date headers (second precision). */
  const serverTime: ServerTime = { first: null, latest: null };
  const observeDate = (header: string | null): void => {
    const ms = header === null ? NaN : Date.parse(header);
    if (Number.isNaN(ms)) return;
    serverTime.first ??= new Date(ms);
    serverTime.latest = new Date(ms);
  };

  return {
    counters: () => ({ ...counts }),
    serverTime: () => ({ ...serverTime }),
    async getJson<T = unknown>(rawUrl: string, options: GraphRequestOptions) {
      // Before the limiter and the token: a foreign URL costs nothing and reveals nothing.
      let url = requireGraphOrigin(rawUrl, settings.origin, errorContext(options));
      let redirects = 0;
      let throttles = 0;
      let refreshedToken = false;
      for (let attempt = 1; ; attempt++) {
        breaker.check();
        await deps.limiter.acquire(options);
        counts.requests++;
        const outcome = await sendOnce(url, options, attempt, sendDeps);
        breaker.record(outcome.kind === "failed" ? outcome.status : 200);
        breaker.check();
        if (outcome.kind === "ok") {
          observeDate(outcome.response.headers.get("date"));
          return outcome.response as GraphResponse<T>;
        }
        if (outcome.kind === "redirect") {
          if (outcome.location === null || ++redirects > maxRedirects) {
            const message = `GET ${url.href} redirected without a usable Location`;
            throw new GraphProtocolError(message, errorContext(options));
          }
          const target = new URL(outcome.location, url).href;
          url = requireGraphOrigin(target, settings.origin, errorContext(options));
          // A redirect counts as an attempt, which also bounds redirect-then-fail loops.
          continue;
        }
        if (
          outcome.status === 401 &&
          !refreshedToken &&
          deps.tokenProvider.invalidate?.(outcome.token) === true
        ) {
          // A token can be revoked or expire early; a credential can get another. Once.
          refreshedToken = true;
          counts.retries++;
          logger.warn(
            { ...logContext(url, options), attempt, requestId: outcome.requestId },
            "graph rejected the token (401); retrying once with a fresh one",
          );
          continue;
        }
        if (outcome.status === 429) counts.throttled++;
        const verdict = classifyFailure(outcome.failure);
        const error = toError(url, options, outcome, verdict);
        const waitTooLong = (outcome.retryAfterMs ?? 0) > policy.maxRetryAfterMs;
        // 429s have their own budget: the other failures count the attempts they caused.
        const spent =
          outcome.status === 429
            ? ++throttles >= (policy.maxThrottledAttempts ?? DEFAULT_MAX_THROTTLED)
            : attempt - throttles >= policy.maxAttempts;
        if (!verdict.retryable || spent || waitTooLong) throw error;
        const delayMs = nextDelayMs(policy, attempt, outcome.retryAfterMs, random);
        if (outcome.status === 429 || outcome.retryAfterMs !== undefined) {
          deps.limiter.pause(options, delayMs);
        }
        const { clientRequestId, requestId } = outcome;
        // A 429 is Graph pacing us: expected under load and counted in the run summary,
        // so it stays out of a quiet log. Anything else retried is worth a warning.
        const log = outcome.status === 429 ? logger.debug : logger.warn;
        log.call(
          logger,
          {
            ...logContext(url, options),
            attempt,
            delayMs,
            reason: verdict.reason,
            clientRequestId,
            requestId,
          },
          "retrying graph request",
        );
        counts.retries++;
        await breaker.race(sleep(delayMs));
      }
    },
  };
}

/**
 * The limiter, with `acquire` ending at once when the breaker opens (its other members
 * are the limiter's own, bound to it, whatever shape the limiter has).
 */
function breakerAware(limiter: RateLimiter, breaker: CircuitBreaker): RateLimiter {
  const acquire = (
    ...args: Parameters<RateLimiter["acquire"]>
  ): ReturnType<RateLimiter["acquire"]> => breaker.race(limiter.acquire(...args));
  return new Proxy(limiter, {
    get(target, key) {
      if (key === "acquire") return acquire;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function"
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}

/** The error for a failed attempt; whatever Graph echoed of the token is cut out. */
function toError(
  url: URL,
  options: GraphRequestOptions,
  failed: FailedAttempt,
  verdict: Classification,
): SyncError {
  const context = { ...errorContext(options), cause: failed.cause };
  const ids =
    `client-request-id ${failed.clientRequestId}` +
    (failed.requestId ? `, request-id ${failed.requestId}` : "") +
    describeContext(options);
  if (failed.failure.kind === "invalidJson") {
    const message = `Graph answered ${failed.status} to GET ${url.href} with a body that is not JSON (${ids})`;
    return new GraphProtocolError(message, context);
  }
  if (failed.failure.kind === "badBody") {
    const message = `Graph answered ${failed.status} to GET ${url.href} with a body that was not read: ${failed.failure.reason} (${ids})`;
    return new GraphProtocolError(message, context);
  }
  const graphSays = failed.graph?.code
    ? `: ${failed.graph.code}: ${failed.graph.message ?? ""}`
    : "";
  const message = `GET ${url.href} failed (${verdict.reason}${graphSays}; ${ids})`;
  return new GraphHttpError(maskKnownSecrets(message, [failed.token]), {
    ...context,
    status: failed.status,
    method: "GET",
    url: url.href,
    requestId: failed.requestId,
    clientRequestId: failed.clientRequestId,
    graphCode: failed.graph?.code && maskKnownSecrets(failed.graph.code, [failed.token]),
    retryable: verdict.retryable,
    retryAfterMs: failed.retryAfterMs,
  });
}
