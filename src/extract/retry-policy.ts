import type { Random } from "../runtime.ts";

export interface RetryPolicy {
  /** Attempts in all, the first included (429s aside, see maxThrottledAttempts). */
  readonly maxAttempts: number;
  /**
   * 429s one request takes before it fails (default {@link DEFAULT_MAX_THROTTLED}). A
   * 429 is Graph pacing the client, not a failure: a storm of them must slow a run down,
   * not fail its users, so they get a budget of their own, bounded all the same.
   */
  readonly maxThrottledAttempts?: number;
  /** Backoff before the second attempt when Graph sent no Retry-After; doubles each time. */
  readonly baseDelayMs: number;
  /** Cap on computed backoff (Retry-After is never shortened to fit it). */
  readonly maxDelayMs: number;
  /** Backoff is spread uniformly over ±this fraction so parallel retries do not align. */
  readonly jitterRatio: number;
  /**
   * A Retry-After longer than this fails the request (retryable, with `retryAfterMs`) rather
   * than parking the run: retrying earlier than Graph said is not an option, and an hour's
   * sleep is a decision for the caller.
   */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_MAX_THROTTLED = 20;

export const defaultRetryPolicy: RetryPolicy = Object.freeze({
  maxAttempts: 6,
  maxThrottledAttempts: DEFAULT_MAX_THROTTLED,
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
  jitterRatio: 0.2,
  maxRetryAfterMs: 300_000,
});

/**
 * `Retry-After` as milliseconds from `nowMs`: delta seconds (Graph sends fractions such
 * as `2.128`) or an HTTP date. Undefined when absent or unreadable, so backoff applies.
 */
export function parseRetryAfter(
  header: string | null | undefined,
  nowMs: number,
): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  // Date.parse also accepts bare numbers like "-1" or "1e3"; only real dates get here.
  if (!/[a-z]/i.test(value)) return undefined;
  const atMs = Date.parse(value);
  return Number.isNaN(atMs) ? undefined : Math.max(0, atMs - nowMs);
}

/**
 * The wait before attempt `failedAttempt + 1`. Retry-After wins, exactly: never earlier
 * than Graph asked, and not later either, since the rate limiter spreads the resumed
 * requests. Otherwise exponential backoff with jitter, capped.
 */
export function nextDelayMs(
  policy: RetryPolicy,
  failedAttempt: number,
  retryAfterMs: number | undefined,
  random: Random,
): number {
  if (retryAfterMs !== undefined) return Math.max(0, retryAfterMs);
  const exponential = policy.baseDelayMs * 2 ** Math.max(0, failedAttempt - 1);
  const capped = Math.min(policy.maxDelayMs, exponential);
  const jitter = 1 + policy.jitterRatio * (2 * random() - 1);
  return Math.round(Math.min(policy.maxDelayMs, capped * jitter));
}

/** What went wrong with one attempt, before we decide what it means. */
export type Failure =
  | { readonly kind: "status"; readonly status: number }
  | { readonly kind: "network"; readonly error: unknown }
  | { readonly kind: "invalidJson" }
  /** A 2xx body refused while it was read: over the size cap, a bomb, undecodable. */
  | { readonly kind: "badBody"; readonly reason: string };

export interface Classification {
  readonly retryable: boolean;
  /** Short human words for logs and error messages. */
  readonly reason: string;
}

const retryableStatuses: ReadonlyMap<number, string> = new Map([
  [408, "request timeout"],
  [429, "throttled"],
  // Graph fronts many backends; a 500 or 502 is most often a transient gateway or
  // backend hiccup that succeeds on retry, and all our calls are idempotent GETs.
  [500, "internal server error"],
  [502, "bad gateway"],
  [503, "service unavailable"],
  [504, "gateway timeout"],
]);

/** Connection-level failures worth another try; ENOTFOUND is not (a wrong base URL). */
const transientNetworkCodes = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

const transientNetworkMessages = /socket hang up|other side closed|terminated|network error/i;

/** The one place that decides whether a failed attempt is worth repeating. */
export function classifyFailure(failure: Failure): Classification {
  switch (failure.kind) {
    case "status": {
      const reason = retryableStatuses.get(failure.status);
      if (reason !== undefined) return { retryable: true, reason: `${failure.status} ${reason}` };
      return { retryable: false, reason: `HTTP ${failure.status}` };
    }
    case "invalidJson":
      // Seen as truncated bodies from proxies and gateways; a second read usually works.
      return { retryable: true, reason: "a 2xx body that is not JSON" };
    case "badBody":
      // Treated as a malformed page: a proxy's bad moment passes, an attack stays bounded.
      return { retryable: true, reason: `a 2xx body refused: ${failure.reason}` };
    case "network":
      return classifyNetworkError(failure.error);
  }
}

function classifyNetworkError(error: unknown): Classification {
  for (const link of causeChain(error)) {
    if (link instanceof Error && link.name === "TimeoutError") {
      return { retryable: true, reason: `timeout: ${link.message}` };
    }
    const code = errorCode(link);
    if (code !== undefined && transientNetworkCodes.has(code)) {
      return { retryable: true, reason: `network error ${code}` };
    }
    if (code === "ENOTFOUND") {
      return { retryable: false, reason: "host not found (ENOTFOUND): check the Graph base URL" };
    }
    if (link instanceof Error && transientNetworkMessages.test(link.message)) {
      return { retryable: true, reason: `network error: ${link.message}` };
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  return { retryable: false, reason: `request failed: ${message}` };
}

/** The error and its causes, innermost last (undici wraps socket errors in "fetch failed"). */
function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let link = error; link !== undefined && chain.length < 8;) {
    chain.push(link);
    link = link instanceof Error ? link.cause : undefined;
  }
  return chain;
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}
