/**
 * Graph's Teams throttling limits for application permissions (docs/graph.md), per app per
 * tenant, per user and per chat. Routes in one group share buckets: listings, Get chat,
 * members and operations are all "other GETs" and draw on one tenant budget, one budget
 * per chat, and (List chats and Get chat only) one per user. The sustained 83% limit over
 * longer windows is not modelled. Routes without a row (users, POST /chats, auth) are not
 * throttled.
 */
import type { RouteKind } from "../route-kind.ts";

export type ThrottleScope = "tenant" | "user" | "chat";

export interface ScopeLimit {
  readonly scope: ThrottleScope;
  readonly perSecond: number;
}

export interface ThrottleRule {
  /** Bucket-sharing group, also the prefix of scope keys (`otherGets:user:<id>`). */
  readonly group: string;
  readonly limits: readonly ScopeLimit[];
}

const OTHER_GETS_TENANT: ScopeLimit = { scope: "tenant", perSecond: 30 };
const OTHER_GETS_USER: ScopeLimit = { scope: "user", perSecond: 5 };
const OTHER_GETS_CHAT: ScopeLimit = { scope: "chat", perSecond: 1 };

/** Members and operations: the tenant's and the chat's budget, no per-user one. */
const OTHER_GETS: ThrottleRule = {
  group: "otherGets",
  limits: [OTHER_GETS_TENANT, OTHER_GETS_CHAT],
};

const CHAT_MESSAGES: ThrottleRule = {
  group: "chatMessages",
  limits: [
    { scope: "tenant", perSecond: 20 },
    { scope: "chat", perSecond: 1 },
  ],
};

const ALL_MESSAGES: ThrottleRule = {
  group: "getAllMessages",
  limits: [{ scope: "tenant", perSecond: 200 }],
};

export const THROTTLE_RULES: Partial<Record<RouteKind, ThrottleRule>> = {
  listChats: { group: "otherGets", limits: [OTHER_GETS_TENANT, OTHER_GETS_USER] },
  // A user counts only where the path names one (`/users/{id}/chats/{id}`).
  getChat: { group: "otherGets", limits: [OTHER_GETS_TENANT, OTHER_GETS_USER, OTHER_GETS_CHAT] },
  listMembers: OTHER_GETS,
  listOperations: OTHER_GETS,
  getOperation: OTHER_GETS,
  listMessages: CHAT_MESSAGES,
  getMessage: CHAT_MESSAGES,
  getAllMessages: ALL_MESSAGES,
  getAllMessagesDelta: ALL_MESSAGES,
};

export interface ThrottleSettings {
  /** Multiplies every limit: 1 = Graph's, 10 = ten times higher, 0 = unlimited. */
  readonly rateScale: number;
  /** Bucket size in seconds of rate (default 1: a burst of one second's worth, at least 1). */
  readonly burstSeconds: number;
  /** How early a request may arrive and still pass (default 50 ms). */
  readonly toleranceMs: number;
}

export const DEFAULT_THROTTLE_SETTINGS: ThrottleSettings = {
  rateScale: 1,
  burstSeconds: 1,
  toleranceMs: 50,
};
