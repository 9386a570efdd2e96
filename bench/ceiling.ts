/**
 * ceiling_ratio: a full sync against the simulator enforcing Graph's limits (scaled),
 * compared with the floor those limits put on it. For each limited dimension the floor
 * is (successful requests counted against it) / (its rate); the run cannot beat the
 * most loaded one. ceiling_ratio = floor_seconds / sync_seconds (1 = at the limit).
 */
import type { RequestLogEntry, SimStats } from "../src/sim/index.ts";
import {
  log,
  runChildSync,
  withSimulator,
  type BenchParams,
  type BenchPostgres,
  type ChildSyncResult,
  type Figures,
} from "./support.ts";

/** Graph's Teams limits (GRAPH.md), per second at scale 1. */
const LIMITS = {
  listChatsTenant: 20,
  listChatsPerUser: 1,
  otherGetsTenant: 30,
  otherGetsPerChat: 1,
} as const;

export interface Floor {
  readonly seconds: number;
  readonly bound: string;
  readonly dimensions: Record<string, { requests: number; perSecond: number; seconds: number }>;
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
      `limiter at scale ${params.rateScale}, ${params.latencyMs} ms latency`,
  );
  const databaseUrl = await pg.freshDatabase("bench_ceiling");
  return withSimulator(
    {
      users: params.users,
      chats: params.chats,
      seed: params.seed,
      rateScale: params.rateScale,
      latencyMs: params.latencyMs,
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
      figures.detail("ceiling", {
        sync,
        floor,
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

/** The floor from the simulator's request log (429s excluded: they consume no budget). */
export function floorOf(entries: readonly RequestLogEntry[], scale: number): Floor {
  let listChats = 0;
  let otherGets = 0;
  const pagesPerUser = new Map<string, number>();
  const callsPerChat = new Map<string, number>();
  for (const e of entries) {
    if (e.throttled || e.status === 429) continue;
    if (e.routeKind === "listChats") {
      listChats++;
      if (e.userId) pagesPerUser.set(e.userId, (pagesPerUser.get(e.userId) ?? 0) + 1);
    } else if (
      e.routeKind === "listMembers" ||
      e.routeKind === "listOperations" ||
      e.routeKind === "getOperation"
    ) {
      otherGets++;
      if (e.chatId) callsPerChat.set(e.chatId, (callsPerChat.get(e.chatId) ?? 0) + 1);
    }
  }
  const maxOf = (m: Map<string, number>): number => Math.max(0, ...m.values());
  const dim = (requests: number, perSecond: number) => ({
    requests,
    perSecond: perSecond * scale,
    seconds: requests / (perSecond * scale),
  });
  const dimensions = {
    listChatsTenant: dim(listChats, LIMITS.listChatsTenant),
    listChatsBusiestUser: dim(maxOf(pagesPerUser), LIMITS.listChatsPerUser),
    otherGetsTenant: dim(otherGets, LIMITS.otherGetsTenant),
    otherGetsBusiestChat: dim(maxOf(callsPerChat), LIMITS.otherGetsPerChat),
  };
  const [bound, worst] = Object.entries(dimensions).reduce((a, b) =>
    b[1].seconds > a[1].seconds ? b : a,
  );
  return { seconds: worst.seconds, bound, dimensions };
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
