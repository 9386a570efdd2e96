/**
 * Graph's Teams throttling limits for application permissions (GRAPH.md), per app per
 * tenant, per user and per chat. Routes in one group share buckets: members and
 * operations are both "other GETs". The sustained 83% limit over longer windows is not
 * modelled. Routes without a row (users, POST /chats, auth) are not throttled.
 */
import type { RouteKind } from "../route-kind.ts";

export type ThrottleScope = "tenant" | "user" | "chat";

export interface ScopeLimit {
  readonly scope: ThrottleScope;
  readonly perSecond: number;
}

export interface ThrottleRule {
  /** Bucket-sharing group, also the prefix of scope keys (`listChats:user:<id>`). */
  readonly group: string;
  readonly limits: readonly ScopeLimit[];
}

const OTHER_GETS: ThrottleRule = {
  group: "otherGets",
  limits: [
    { scope: "tenant", perSecond: 30 },
    { scope: "chat", perSecond: 1 },
  ],
};

export const THROTTLE_RULES: Partial<Record<RouteKind, ThrottleRule>> = {
  listChats: {
    group: "listChats",
    limits: [
      { scope: "tenant", perSecond: 20 },
      { scope: "user", perSecond: 1 },
    ],
  },
  getChat: {
    group: "getChat",
    limits: [
      { scope: "tenant", perSecond: 200 },
      { scope: "user", perSecond: 5 },
      { scope: "chat", perSecond: 1 },
    ],
  },
  listMembers: OTHER_GETS,
  listOperations: OTHER_GETS,
  getOperation: OTHER_GETS,
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
