import { createTokenProvider, type CredentialOptions, type TokenProvider } from "./auth.ts";
import { getUserId } from "./get-user-id.ts";
import type { GraphConfig } from "./graph-config.ts";
import { createGraphHttpClient, type GraphCounters, type GraphHttpClient } from "./http-client.ts";
import { callPages, getObject, listAll, type GraphCall } from "./graph-call.ts";
import { listUserChats } from "./list-user-chats.ts";
import { listUsers } from "./list-users.ts";
import type { GraphPage } from "./paginate.ts";
import { createRateLimiter, type RateLimiter } from "./rate-limiter.ts";
import {
  monotonicNow,
  systemNow,
  systemSleep,
  type Now,
  type Random,
  type Sleep,
} from "../runtime.ts";
import { silentLogger, type ExtractLogger } from "./logger.ts";
import type { StreamContext } from "./stream-context.ts";
import type { ServerTime } from "./http-client.ts";
import type { GraphTransport } from "./transport.ts";

export { createTokenProvider, defaultRefreshMarginMs } from "./auth.ts";
export type { CredentialOptions, TokenProvider, TokenProviderOptions } from "./auth.ts";
export { cloudForBaseUrl, isMicrosoftAuthorityHost } from "./cloud.ts";
export type { GraphCloud } from "./cloud.ts";
export { defaultGraphBaseUrl, defineGraphConfig, graphConfigDefaults } from "./graph-config.ts";
export type { GraphAuth, GraphAuthInput, GraphConfig, GraphConfigInput } from "./graph-config.ts";
export { createGraphHttpClient } from "./http-client.ts";
export type {
  CountingGraphHttpClient,
  GraphCounters,
  GraphHttpClient,
  GraphHttpClientDeps,
  GraphRequestOptions,
  GraphResponse,
} from "./http-client.ts";
export { paginate } from "./paginate.ts";
export { fetchTransport, undiciTransport } from "./transport.ts";
export type { GraphTransport, RawResponse } from "./transport.ts";
export type { GraphPage, PaginateOptions } from "./paginate.ts";
export { createRateLimiter } from "./rate-limiter.ts";
export type { RateLimiter, RateLimitTarget } from "./rate-limiter.ts";
export { RATE_LIMITED_CALLS, callKeys, defaultRateLimits } from "./rate-limits.ts";
export type {
  BudgetLimit,
  RateLimitConfig,
  RateLimitKeyKind,
  RateLimitScope,
} from "./rate-limits.ts";
export { rateLimitOverridesSchema, resolveRateLimits } from "./rate-limit-overrides.ts";
export type { RateLimitOverrides } from "./rate-limit-overrides.ts";
export {
  classifyFailure,
  defaultRetryPolicy,
  nextDelayMs,
  parseRetryAfter,
} from "./retry-policy.ts";
export type { Classification, Failure, RetryPolicy } from "./retry-policy.ts";
export type { ExtractLogger } from "./logger.ts";
export type { StreamContext } from "./stream-context.ts";
export type { GraphCall, PathPart } from "./graph-call.ts";
export { callPages, getObject, getUserId, listAll, listUserChats, listUsers };

export interface GraphExtractorDeps {
  /** How requests are sent (default: undici; a custom CA goes in its Agent's `connect`). */
  readonly transport?: GraphTransport;
  /** Sends through this fetch instead (tests that watch requests; see http-client.ts). */
  readonly fetch?: typeof fetch;
  readonly sleep?: Sleep;
  readonly now?: Now;
  readonly random?: Random;
  /** pino or anything with `debug` and `warn`; silent by default. */
  readonly logger?: ExtractLogger;
  /** Replaces the provider built from `config.auth` (e.g. a managed identity). */
  readonly tokenProvider?: TokenProvider;
  /** Passed to the @azure/identity credential (custom CA / agent, instance discovery). */
  readonly credentialOptions?: CredentialOptions;
}

/** The extract stage as the orchestrator sees it: streams over one shared HTTP layer. */
export interface GraphExtractor {
  readonly config: GraphConfig;
  readonly http: GraphHttpClient;
  readonly limiter: RateLimiter;
  /** The tenant's users as listed (unchecked items). */
  listUsers(): AsyncGenerator<unknown, void, undefined>;
  /** The object id for an id or a UPN. */
  getUserId(idOrUpn: string): Promise<string>;
  listUserChats(userId: string): AsyncIterableIterator<GraphPage>;
  /** A declared call's collection, page by page; `from` continues at a kept (delta) link. */
  pages(call: GraphCall, from?: string): AsyncIterableIterator<GraphPage>;
  /** Every item of a declared call's collection (all pages or an error). */
  listAll(call: GraphCall): Promise<unknown[]>;
  /** A declared call's single object. */
  getObject(call: GraphCall): Promise<Record<string, unknown>>;
  /** Requests, 429s and retries so far. */
  counters(): GraphCounters;
  /** Graph's clock as its responses told it (Date headers): the first and latest seen. */
  serverTime(): Readonly<ServerTime>;
}

export function createGraphExtractor(
  config: GraphConfig,
  deps: GraphExtractorDeps = {},
): GraphExtractor {
  const now = deps.now ?? systemNow;
  const sleep = deps.sleep ?? systemSleep;
  const logger = deps.logger ?? silentLogger;
  const tokenProvider =
    deps.tokenProvider ??
    createTokenProvider(config.auth, {
      scope: config.tokenScope,
      credentialOptions: deps.credentialOptions,
      now,
    });
  // A monotonic clock: a wall clock stepped back would stall every pacer for as long.
  const limiter = createRateLimiter(config.rateLimits, { now: deps.now ?? monotonicNow, sleep });
  const http = createGraphHttpClient(config, {
    tokenProvider,
    limiter,
    transport: deps.transport,
    fetch: deps.fetch,
    sleep,
    now,
    random: deps.random,
    logger,
  });
  const ctx: StreamContext = { http, baseUrl: config.baseUrl, maxPages: config.maxPages };
  return Object.freeze({
    config,
    http,
    limiter,
    listUsers: () => listUsers(ctx),
    getUserId: (idOrUpn: string) => getUserId(ctx, idOrUpn),
    listUserChats: (userId: string) => listUserChats(ctx, userId),
    pages: (call: GraphCall, from?: string) => callPages(ctx, call, from),
    listAll: (call: GraphCall) => listAll(ctx, call),
    getObject: (call: GraphCall) => getObject(ctx, call),
    counters: () => http.counters(),
    serverTime: () => http.serverTime(),
  });
}
