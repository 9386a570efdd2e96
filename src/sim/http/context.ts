/** What every route handler gets: the tenant, the machinery around it, and the request. */
import type { IncomingHttpHeaders } from "node:http";
import type { TokenIssuer } from "../auth/token-issuer.ts";
import type { FaultEngine } from "../faults/fault-engine.ts";
import type { SimUser } from "../model.ts";
import type { Prng } from "../random.ts";
import type { StatsRecorder } from "../observe/stats.ts";
import type { SimTenant } from "../tenant/sim-tenant.ts";
import type { TenantStore } from "../tenant/store.ts";
import type { RetryAfterTracker } from "../throttle/retry-after-tracker.ts";
import type { Throttler } from "../throttle/throttler.ts";
import type { MatchedRoute } from "./router.ts";
import type { SkipTokens } from "./skiptoken.ts";

/** Settings that can change while the server runs (`setLatency`, `PUT /_sim/settings`). */
export interface LiveSettings {
  latencyMs: number;
  /** Each response's latency varies uniformly within ± this (drawn from `latencyRandom`). */
  latencyJitterMs: number;
  /** List responses show lastUpdatedDateTime up to this many ms earlier than GET (0: exact). */
  listLastUpdatedSkewMs: number;
  /** Default page size of `GET /chats/{id}/members`. */
  membersPageSize: number;
}

export interface SimContext {
  readonly store: TenantStore;
  readonly tenant: SimTenant;
  readonly issuer: TokenIssuer;
  readonly throttler: Throttler;
  readonly tracker: RetryAfterTracker;
  readonly faults: FaultEngine;
  readonly stats: StatsRecorder;
  readonly skipTokens: SkipTokens;
  readonly settings: LiveSettings;
  /** The seeded stream latency jitter is drawn from. */
  readonly latencyRandom: Prng;
  /** `http(s)://host:port` once listening. */
  origin: string;
  /** Facts about this simulator for `GET /_sim/info`. */
  readonly info: () => Record<string, unknown>;
}

export interface GraphRequest {
  readonly route: MatchedRoute;
  readonly method: string;
  readonly url: URL;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The user named in the path, resolved (undefined when the path names none). */
  readonly user: SimUser | undefined;
}
