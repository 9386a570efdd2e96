/**
 * `startSimulator`: generates the tenant, wires tenant, auth, throttle, faults and stats
 * into one node:http (or https) server, and returns the handle tests drive it with.
 */
import { createHash } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { TokenIssuer } from "./auth/token-issuer.ts";
import { SimClock } from "./clock.ts";
import { FaultEngine } from "./faults/fault-engine.ts";
import { faultRulesSchema, type FaultRule } from "./faults/fault-rules.ts";
import { generateTenant } from "./generate/tenant.ts";
import type { LiveSettings, SimContext } from "./http/context.ts";
import { createRequestHandler } from "./http/handler.ts";
import { SkipTokens } from "./http/skiptoken.ts";
import { MessageStore } from "./messages/message-store.ts";
import type { SimMessage, SimState } from "./model.ts";
import { StatsRecorder, type SimStats } from "./observe/stats.ts";
import { resolveOptions, type SimulatorOptions } from "./options.ts";
import { Prng } from "./random.ts";
import { SimTenant } from "./tenant/sim-tenant.ts";
import { TenantStore } from "./tenant/store.ts";
import { RetryAfterTracker } from "./throttle/retry-after-tracker.ts";
import { Throttler } from "./throttle/throttler.ts";
import { createTlsMaterial, type SimTlsInfo } from "./tls.ts";

export interface Simulator {
  /** Base URL without version, e.g. `http://127.0.0.1:40123` (use as GRAPH_BASE_URL and authorityHost). */
  readonly url: string;
  readonly port: number;
  readonly tenantId: string;
  /** The fixed bearer token that is always accepted. */
  readonly token: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** `{url}/{tenantId}/oauth2/v2.0/token`. */
  readonly tokenEndpoint: string;
  /** Certificate to trust when started with `tls: true`, else null. */
  readonly tls: SimTlsInfo | null;
  /** Queries and mutations of the tenant. */
  readonly tenant: SimTenant;
  readonly clock: SimClock;
  stats(): SimStats;
  resetStats(): void;
  /** The ground truth, a deep copy (messages are not in it: see `messages`). */
  state(): SimState;
  /** The ground truth of one chat's messages, oldest first (deep copies; [] when none). */
  messages(chatId: string): SimMessage[];
  /** Every live chat's messages, one chat at a time (generated as iterated). */
  allMessages(): IterableIterator<{ chatId: string; messages: SimMessage[] }>;
  /** Replaces the fault rules (validated; [] clears); counters start over. */
  setFaults(rules: readonly FaultRule[]): void;
  /** Latency of every response, and optionally its jitter (± ms, unchanged when omitted). */
  setLatency(ms: number, jitterMs?: number): void;
  /** Changes the throttle scale (0 = unlimited); buckets start full. */
  setRateScale(scale: number): void;
  /** The list-vs-get lastUpdatedDateTime quirk (0 = off). */
  setListLastUpdatedSkew(ms: number): void;
  /** Moves the simulated clock (operations progress). */
  advanceTime(ms: number): void;
  close(): Promise<void>;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const resolved = resolveOptions(options);
  const seed = options.seed ?? 42;
  const clock = new SimClock(options.clock);
  const generated = generateTenant(options, clock.nowMs());
  const messages = new MessageStore(
    {
      seed,
      tenantId: generated.tenantId,
      users: generated.users.slice(),
      appIds: generated.appIds,
      botAppIds: generated.botAppIds,
      nowMs: clock.nowMs(),
      volume: resolved.messages,
    },
    generated.chats,
  );
  const store = new TenantStore(generated, clock, Prng.from(seed, "live"), messages);
  const tenant = new SimTenant(store, resolved.operationTimings);
  const settings: LiveSettings = {
    latencyMs: resolved.latencyMs,
    latencyJitterMs: resolved.latencyJitterMs,
    listLastUpdatedSkewMs: resolved.listLastUpdatedSkewMs,
    membersPageSize: resolved.membersPageSize,
  };
  const tlsMaterial = resolved.tls ? await createTlsMaterial(resolved.host) : null;
  const tls: SimTlsInfo | null = tlsMaterial
    ? { certPem: tlsMaterial.certPem, caPem: tlsMaterial.caPem, caFile: tlsMaterial.caFile }
    : null;
  const ctx: SimContext = {
    store,
    tenant,
    issuer: new TokenIssuer({
      tenantId: store.tenantId,
      clientId: resolved.clientId,
      clientSecret: resolved.clientSecret,
      token: resolved.token,
      tokenLifetimeSeconds: resolved.tokenLifetimeSeconds,
    }),
    throttler: new Throttler({
      rateScale: resolved.rateScale,
      burstSeconds: resolved.burstSeconds,
      toleranceMs: resolved.toleranceMs,
    }),
    tracker: new RetryAfterTracker(),
    faults: new FaultEngine(seed, (ref) => store.findUser(ref)?.id, resolved.faults),
    stats: new StatsRecorder(resolved.requestLogLimit),
    skipTokens: new SkipTokens(
      createHash("sha256")
        .update(`skiptoken/${String(seed)}`)
        .digest(),
    ),
    settings,
    latencyRandom: Prng.from(seed, "latency"),
    origin: "",
    info: () => ({
      url: ctx.origin,
      tenantId: store.tenantId,
      clientId: resolved.clientId,
      tokenEndpoint: `${ctx.origin}/${store.tenantId}/oauth2/v2.0/token`,
      caFile: tls?.caFile ?? null,
      now: clock.now(),
    }),
  };
  const handler = createRequestHandler(ctx);
  const server = tlsMaterial
    ? https.createServer({ key: tlsMaterial.keyPem, cert: tlsMaterial.certPem }, handler)
    : http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(resolved.port, resolved.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostInUrl = resolved.host.includes(":") ? `[${resolved.host}]` : resolved.host;
  ctx.origin = `${tlsMaterial ? "https" : "http"}://${hostInUrl}:${port}`;
  let closed: Promise<void> | undefined;

  return {
    url: ctx.origin,
    port,
    tenantId: store.tenantId,
    token: resolved.token,
    clientId: resolved.clientId,
    clientSecret: resolved.clientSecret,
    tokenEndpoint: `${ctx.origin}/${store.tenantId}/oauth2/v2.0/token`,
    tls,
    tenant,
    clock,
    stats: () => ctx.stats.snapshot(ctx.faults.counts()),
    resetStats: () => {
      ctx.stats.reset();
      ctx.tracker.reset();
    },
    state: () => tenant.state(),
    messages: (chatId) => tenant.messages(chatId),
    allMessages: () => tenant.allMessages(),
    setFaults: (rules) => ctx.faults.set(faultRulesSchema.parse(rules)),
    setLatency: (ms, jitterMs) => {
      if (!(ms >= 0)) throw new RangeError(`latency must be >= 0, got ${ms}`);
      if (jitterMs !== undefined && !(jitterMs >= 0))
        throw new RangeError(`latency jitter must be >= 0, got ${jitterMs}`);
      settings.latencyMs = ms;
      if (jitterMs !== undefined) settings.latencyJitterMs = jitterMs;
    },
    setRateScale: (scale) => {
      if (!(scale >= 0)) throw new RangeError(`rateScale must be >= 0, got ${scale}`);
      ctx.throttler.configure({ rateScale: scale });
    },
    setListLastUpdatedSkew: (ms) => {
      settings.listLastUpdatedSkewMs = Math.max(0, Math.floor(ms));
    },
    advanceTime: (ms) => tenant.advanceTime(ms),
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => tlsMaterial?.dispose());
      return closed;
    },
  };
}
