/**
 * Graph's throttling limits for the calls we make, as data (Graph's throttling-limits page,
 * Teams section; application permissions, per app per tenant). Which budget a call draws
 * on and its rates are configurable; which ids a call's path names is a fact of the API
 * and fixed here.
 */

/** Every call the extract stage makes or will make, named as the simulator names its routes. */
export const RATE_LIMITED_CALLS = [
  "listUsers",
  "getUser",
  "listChats",
  "getChat",
  "listMembers",
  "listOperations",
  "getOperation",
  "listMessages",
  "getMessage",
  "getAllMessages",
  "getAllMessagesDelta",
] as const;

/** The call a request is, which decides what it counts against. */
export type RateLimitScope = (typeof RATE_LIMITED_CALLS)[number];

export type RateLimitKeyKind = "user" | "chat";

/**
 * One budget Graph counts, in requests per second at scale 1: the whole tenant's, and
 * where Graph has one, each user's and each chat's. Every call drawing on the budget
 * counts against the tenant figure; against a user's or chat's only if its path names one.
 */
export interface BudgetLimit {
  readonly tenantPerSecond: number;
  readonly perUserPerSecond?: number;
  readonly perChatPerSecond?: number;
}

export interface RateLimitConfig {
  /**
   * Multiplies every rate: 10 for a simulator scaled 10x. 0 or Infinity turns
   * throttling off (Retry-After pauses still apply).
   */
  readonly scale: number;
  /**
   * The share of every limit left unused (0.03: requests leave at 97% of each rate), room
   * for jitter between leaving here and arriving at Graph: what fits in it cannot push a
   * second over. Graph's token bucket absorbs more; a second counted strictly needs as
   * much room as the longest stall between limiter and Graph (0.25 for 250 ms).
   */
  readonly headroom: number;
  readonly budgets: Readonly<Record<string, BudgetLimit>>;
  /** The budget (a key of `budgets`) each call draws on. */
  readonly calls: Readonly<Record<RateLimitScope, string>>;
}

/**
 * The ids each call's path names: a per-user or per-chat limit can only count a call by an
 * id Graph sees. `optional`: counted when the caller knows it (Get chat is addressed by
 * chat, and `/users/{id}/chats/{id}` by user too).
 */
export const callKeys: Readonly<
  Record<RateLimitScope, Readonly<Partial<Record<RateLimitKeyKind, "required" | "optional">>>>
> = Object.freeze({
  listUsers: {},
  getUser: {},
  listChats: { user: "required" },
  getChat: { user: "optional", chat: "required" },
  listMembers: { chat: "required" },
  listOperations: { chat: "required" },
  getOperation: { chat: "required" },
  listMessages: { chat: "required" },
  getMessage: { chat: "required" },
  getAllMessages: { user: "required" },
  getAllMessagesDelta: { user: "required" },
});

export const defaultRateLimits: RateLimitConfig = Object.freeze({
  scale: 1,
  headroom: 0.03,
  budgets: Object.freeze({
    // Directory reads are throttled by a far larger budget; a handful of 999-user pages
    // never come near it, so this only keeps a runaway loop polite.
    directory: Object.freeze({ tenantPerSecond: 50 }),
    // "Other GET calls for Teams": listings, Get chat, members and operations share one
    // tenant budget; 5/s per user applies to List chats and Get chat, 1/s per chat.
    otherGet: Object.freeze({ tenantPerSecond: 30, perUserPerSecond: 5, perChatPerSecond: 1 }),
    chatMessages: Object.freeze({ tenantPerSecond: 20, perChatPerSecond: 1 }),
    getAllMessages: Object.freeze({ tenantPerSecond: 200 }),
  }),
  calls: Object.freeze({
    listUsers: "directory",
    getUser: "directory",
    listChats: "otherGet",
    getChat: "otherGet",
    listMembers: "otherGet",
    listOperations: "otherGet",
    getOperation: "otherGet",
    listMessages: "chatMessages",
    getMessage: "chatMessages",
    getAllMessages: "getAllMessages",
    getAllMessagesDelta: "getAllMessages",
  }),
});

/** The per-key rate of a budget for a key kind, if it has one. */
export function perKeyRate(budget: BudgetLimit, kind: RateLimitKeyKind): number | undefined {
  return kind === "user" ? budget.perUserPerSecond : budget.perChatPerSecond;
}
