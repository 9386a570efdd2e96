/**
 * ceiling_ratio: a full sync against the simulator enforcing Graph's limits (scaled), with
 * 50 ± 40 ms of latency, compared with the floor those limits put on it. Every request
 * counts against its budget's tenant dimension and, where its path names them, its user's
 * and chat's (the simulator's table, which is Graph's); each dimension needs (its
 * successful requests) / (its rate) seconds, and the run cannot beat the most loaded one.
 * With one shared other-GET budget that is usually listings + members + operations at
 * 30/s x scale. ceiling_ratio = floor_seconds / sync_seconds (1 = at the limit).
 */
import type { RequestLogEntry, SimStats } from "../src/sim/index.ts";
import { dimensionsOf } from "../src/sim/throttle/throttler.ts";
import {
  log,
  runChildSync,
  withSimulator,
  type BenchParams,
  type BenchPostgres,
  type ChildSyncResult,
  type Figures,
} from "./support.ts";

export interface Floor {
  readonly seconds: number;
  readonly bound: string;
  readonly dimensions: Record<string, FloorDimension>;
}

export interface FloorDimension {
  /** The throttle's key: `otherGets:tenant`, `otherGets:chat:<id>`... */
  readonly key: string;
  readonly requests: number;
  readonly perSecond: number;
  readonly seconds: number;
}

export interface CeilingResult {
  readonly sync: ChildSyncResult;
  readonly floor: Floor;
}

export async function benchCeiling(
  params: BenchParams,
  pg: BenchPostgres,
  figures: Figures,
): Promise<CeilingResult> {
  log(
    `ceiling: full sync, ${params.users} users / ${params.chats} chats, simulator and ` +
      `limiter at scale ${params.rateScale}, ${params.latencyMs} ± ${params.latencyJitterMs} ms latency`,
  );
  const databaseUrl = await pg.freshDatabase("bench_ceiling");
  return withSimulator(
    {
      users: params.users,
      chats: params.chats,
      seed: params.seed,
      rateScale: params.rateScale,
      latencyMs: params.latencyMs,
      latencyJitterMs: params.latencyJitterMs,
      requestLogLimit: 1_000_000,
    },
    async (sim) => {
      const sync = await runChildSync({
        graphUrl: sim.url,
        token: sim.token,
        databaseUrl,
        rateScale: params.rateScale,
        timeoutMs: 30 * 60_000,
      });
      log(
        `ceiling: sync ${sync.status} in ${sync.syncSeconds.toFixed(1)} s, ` +
          `${sync.requests} requests, ${sync.throttled} throttled`,
      );
      const stats = sim.stats();
      if (stats.log.length < stats.requests)
        throw new Error("request log truncated: raise requestLogLimit");
      const floor = floorOf(stats.log, params.rateScale);
      const throttledShare = stats.throttled / Math.max(1, stats.requests);
      figures.figure("ceiling_sync_seconds", sync.syncSeconds);
      figures.figure("ceiling_floor_seconds", floor.seconds);
      figures.figure("ceiling_ratio", floor.seconds / sync.syncSeconds);
      figures.figure("throttled_share", throttledShare);
      const timeline = timelineOf(stats.log, floor, sync.syncSeconds);
      log(`ceiling: where the time goes ${JSON.stringify(timeline)}`);
      figures.detail("ceiling", {
        sync,
        floor,
        timeline,
        sim: simSummary(stats),
        definition:
          "floor_seconds = max over limited dimensions of (non-429 requests in that dimension / " +
          "its rate at rateScale); ceiling_ratio = floor_seconds / sync_seconds; " +
          "throttled_share = 429 answers / all Graph requests the simulator received",
      });
      if (sync.status !== "succeeded") log(`ceiling: WARNING the sync ended ${sync.status}`);
      return { sync, floor };
    },
  );
}

/**
 * The floor from the simulator's request log (429s excluded: they consume no budget): per
 * tenant budget, and the busiest user and chat of each budget that limits them.
 */
export function floorOf(entries: readonly RequestLogEntry[], scale: number): Floor {
  const perKey = new Map<string, { requests: number; perSecond: number }>();
  for (const e of entries) {
    if (e.throttled || e.status === 429) continue;
    const target = { userId: e.userId ?? undefined, chatId: e.chatId ?? undefined };
    for (const { key, perSecond } of dimensionsOf(e.routeKind, target)) {
      const counted = perKey.get(key) ?? { requests: 0, perSecond: perSecond * scale };
      counted.requests++;
      perKey.set(key, counted);
    }
  }
  const dimensions: Floor["dimensions"] = {};
  for (const [key, { requests, perSecond }] of perKey) {
    // `otherGets:tenant` as is; `otherGets:chat:<id>` as the group's busiest chat.
    const [group, scope] = key.split(":");
    const name = scope === "tenant" ? `${group}Tenant` : `${group}Busiest${capitalize(scope)}`;
    const seconds = requests / perSecond;
    if ((dimensions[name]?.seconds ?? -1) < seconds)
      dimensions[name] = { key, requests, perSecond, seconds };
  }
  const [bound, worst] = Object.entries(dimensions).reduce(
    (a, b) => (b[1].seconds > a[1].seconds ? b : a),
    ["none", { key: "none", requests: 0, perSecond: 0, seconds: 0 }],
  );
  return { seconds: worst.seconds, bound, dimensions };
}

/**
 * Where a sync's time goes against its floor, from the arrivals of the bound budget's
 * requests at the simulator (counted in its tenant dimension, against the tenant's rate): `outsideSpan` is the sync's time before its first and after
 * its last arrival (start-up, the last commits, closing); within the span, each whole
 * second is compared with the budget's rate: `startSeconds` and `tailSeconds` are the
 * leading and trailing runs of seconds below 90% of it, `startLost`/`tailLost`/`middleLost`
 * the seconds of budget they left unused.
 */
export function timelineOf(
  entries: readonly RequestLogEntry[],
  floor: Floor,
  syncSeconds: number,
): Record<string, number> {
  // The bound budget's tenant dimension: its requests are the ones that fill seconds.
  const tenantKey = `${floor.dimensions[floor.bound]?.key.split(":")[0]}:tenant`;
  const bound = Object.values(floor.dimensions).find((d) => d.key === tenantKey);
  const counted: RequestLogEntry[] = [];
  for (const e of entries) {
    if (e.throttled || e.status === 429) continue;
    const target = { userId: e.userId ?? undefined, chatId: e.chatId ?? undefined };
    if (dimensionsOf(e.routeKind, target).some((d) => d.key === tenantKey)) counted.push(e);
  }
  const arrivals = counted.map((e) => e.arrivedAtMs);
  if (!bound || arrivals.length === 0) return {};
  arrivals.sort((a, b) => a - b);
  const first = arrivals[0] ?? 0;
  const spanSeconds = ((arrivals.at(-1) ?? first) - first) / 1000;
  const buckets = new Array<number>(Math.floor(spanSeconds) + 1).fill(0);
  for (const at of arrivals) buckets[Math.floor((at - first) / 1000)]! += 1;
  const full = bound.perSecond;
  // The last second is cut short by the span's end.
  const capacity = (i: number): number =>
    i === buckets.length - 1 ? full * (spanSeconds - Math.floor(spanSeconds)) : full;
  const low = (i: number): boolean => buckets[i]! < 0.9 * capacity(i);
  let start = 0;
  while (start < buckets.length - 1 && low(start)) start++;
  let tail = 0;
  while (tail < buckets.length - start - 1 && low(buckets.length - 1 - tail)) tail++;
  const lost = (from: number, to: number): number => {
    let seconds = 0;
    for (let i = from; i < to; i++) seconds += Math.max(0, capacity(i) - buckets[i]!) / full;
    return seconds;
  };
  // What the tail was made of: its requests by kind, and the users and chats they name.
  const tailFromMs = first + (buckets.length - tail) * 1000;
  const tailEntries = counted.filter((e) => e.arrivedAtMs >= tailFromMs);
  const tailKinds: Record<string, number> = {};
  for (const e of tailEntries) {
    const kind = `tail_${e.routeKind}`;
    tailKinds[kind] = (tailKinds[kind] ?? 0) + 1;
  }
  // The most arrivals any one-second window held (Graph's limit is `perSecond`).
  let maxWindow = 0;
  for (let lo = 0, hi = 0; hi < arrivals.length; hi++) {
    while (arrivals[hi]! - arrivals[lo]! >= 1000) lo++;
    maxWindow = Math.max(maxWindow, hi - lo + 1);
  }
  return {
    syncSeconds: round3(syncSeconds),
    spanSeconds: round3(spanSeconds),
    outsideSpan: round3(syncSeconds - spanSeconds),
    perSecond: full,
    maxWindow,
    startSeconds: start,
    startLost: round3(lost(0, start)),
    tailSeconds: tail,
    tailLost: round3(lost(buckets.length - tail, buckets.length)),
    middleLost: round3(lost(start, buckets.length - tail)),
    ...tailKinds,
    tailUsers: new Set(tailEntries.map((e) => e.userId).filter((id) => id !== null)).size,
    tailChats: new Set(tailEntries.map((e) => e.chatId).filter((id) => id !== null)).size,
  };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function capitalize(word = ""): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

export function simSummary(stats: SimStats): Record<string, unknown> {
  return {
    requests: stats.requests,
    throttled: stats.throttled,
    byRouteKind: stats.byRouteKind,
    byStatus: stats.byStatus,
    retryAfterViolations: stats.retryAfterViolations,
  };
}
