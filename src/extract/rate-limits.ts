/**
 * Graph's throttling limits for the calls we make, as data (shared/GRAPH.md, "Throttling";
 * application permissions, per app per tenant). Which id keys a scope is a fact of the
 * API and fixed here; the rates are configurable.
 */
export type RateLimitScope = "listUsers" | "listChats" | "getChat" | "otherChatGet";

export type RateLimitKeyKind = "user" | "chat";

export interface ScopeRateLimit {
  /** Requests per second for the whole tenant in this scope. */
  readonly tenantRequestsPerSecond: number;
  /** Requests per second for one user or one chat (see `scopeKeyKind`). */
  readonly perKeyRequestsPerSecond?: number;
}

export interface RateLimitConfig {
  /**
   * Multiplies every rate: 10 for a simulator scaled 10x. 0 or Infinity turns
   * throttling off (Retry-After pauses still apply).
   */
  readonly scale: number;
  readonly scopes: Readonly<Record<RateLimitScope, ScopeRateLimit>>;
}

/** `GET /users/{id}/chats` is limited per user; chat GETs per chat; `/users` per tenant only. */
export const scopeKeyKind: Readonly<Record<RateLimitScope, RateLimitKeyKind | undefined>> =
  Object.freeze({
    listUsers: undefined,
    listChats: "user",
    getChat: "chat",
    otherChatGet: "chat",
  });

export const defaultRateLimits: RateLimitConfig = Object.freeze({
  scale: 1,
  scopes: Object.freeze({
    // Directory reads are throttled by a far larger budget; a handful of 999-user pages
    // never come near it, so this only keeps a runaway loop polite.
    listUsers: Object.freeze({ tenantRequestsPerSecond: 50 }),
    listChats: Object.freeze({ tenantRequestsPerSecond: 20, perKeyRequestsPerSecond: 1 }),
    getChat: Object.freeze({ tenantRequestsPerSecond: 200, perKeyRequestsPerSecond: 1 }),
    otherChatGet: Object.freeze({ tenantRequestsPerSecond: 30, perKeyRequestsPerSecond: 1 }),
  }),
});

/** "At most `maxRequests` in any `windowMs`"; `maxRequests: Infinity` means unlimited. */
export interface WindowLimit {
  readonly maxRequests: number;
  readonly windowMs: number;
}

/**
 * Turns a rate into a window limit that never exceeds the rate in any one-second window:
 * fractional rates above 1/s round down (2.5/s becomes 2 per second, not 5 per 2 s, which
 * would allow 4 in one second); rates below 1/s become one request per 1/rate seconds.
 */
export function toWindowLimit(requestsPerSecond: number, scale: number): WindowLimit {
  const rate = requestsPerSecond * scale;
  if (scale === 0 || !Number.isFinite(rate)) return { maxRequests: Infinity, windowMs: 1000 };
  if (!(rate > 0)) throw new RangeError(`a rate limit must be positive, got ${rate}/s`);
  if (rate >= 1) return { maxRequests: Math.floor(rate), windowMs: 1000 };
  return { maxRequests: 1, windowMs: Math.ceil(1000 / rate) };
}
