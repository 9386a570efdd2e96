/**
 * messages_ceiling_ratio: a messages backfill (every stream, messages included, on a fresh
 * warehouse) of a tenant of 500,000+ messages against the simulator at Graph's limits
 * scaled by rateScale with 50 ± 40 ms of latency, compared with the floor those limits put
 * on it: per budget dimension (the chat-messages budget per tenant and the busiest chat's,
 * the other-GET budget of the listings and follow-ups, getAllMessages for the delta
 * rounds), its non-429 requests over its rate; the most loaded one is the floor.
 * messages_ceiling_ratio = floor_seconds / sync_seconds.
 *
 * Why a run falls short, from the simulator's request log (`arrivedAtMs`): when the
 * message reads started and ended, the busiest chat's history (its first and last page),
 * and the chat-messages requests per second over the run; and from procfs, the CPU the
 * pipeline, Postgres and the simulator used against the wall time and the machine's
 * cores (a run that needs all of them cannot be paced by Graph's limits alone).
 */
import os from "node:os";
import type { RequestLogEntry } from "../src/sim/index.ts";
import { floorOf, simSummary, type Floor } from "./ceiling.ts";
import {
  MESSAGE_STREAMS,
  messageRequests,
  messagesTenantOptions,
  messageTruth,
  type MessageTruth,
} from "./messages-tenant.ts";
import {
  log,
  ownCpuSeconds,
  postgresCpuSeconds,
  runChildSync,
  withSimulator,
  type BenchParams,
  type BenchPostgres,
  type ChildSyncResult,
  type Figures,
} from "./support.ts";

export interface MessagesCeilingResult {
  readonly sync: ChildSyncResult;
  readonly floor: Floor;
  readonly truth: MessageTruth;
}

export async function benchMessagesCeiling(
  params: BenchParams,
  pg: BenchPostgres,
  figures: Figures,
): Promise<MessagesCeilingResult> {
  const databaseUrl = await pg.freshDatabase("bench_messages_ceiling");
  return withSimulator(
    {
      ...messagesTenantOptions(params),
      rateScale: params.rateScale,
      latencyMs: params.latencyMs,
      latencyJitterMs: params.latencyJitterMs,
      requestLogLimit: 5_000_000,
    },
    async (sim) => {
      const truth = messageTruth(sim);
      log(
        `messages ceiling: backfill of ${truth.messages} messages in ${truth.chats} chats ` +
          `(largest ${truth.largestChat.messages}), ${truth.users} users, limits x${params.rateScale}`,
      );
      const pgCpuBefore = await postgresCpuSeconds(databaseUrl);
      const simCpuBefore = ownCpuSeconds();
      const sync = await runChildSync({
        graphUrl: sim.url,
        token: sim.token,
        databaseUrl,
        rateScale: params.rateScale,
        streams: MESSAGE_STREAMS,
        timeoutMs: 60 * 60_000,
      });
      const simCpu = ownCpuSeconds() - simCpuBefore;
      const pgCpuAfter = await postgresCpuSeconds(databaseUrl);
      const pgCpu = pgCpuBefore === null || pgCpuAfter === null ? null : pgCpuAfter - pgCpuBefore;
      const stats = sim.stats();
      if (stats.log.length < stats.requests)
        throw new Error("request log truncated: raise requestLogLimit");
      const floor = floorOf(stats.log, params.rateScale);
      const throttledShare = stats.throttled / Math.max(1, stats.requests);
      const timeline = timelineOf(stats.log, truth, params.rateScale);
      const cpu = {
        syncSeconds: sync.cpuSeconds,
        postgresSeconds: pgCpu,
        simulatorSeconds: simCpu,
        cores: os.availableParallelism(),
        // Share of the machine the three used while the sync ran (1: every core busy).
        machineShare:
          (sync.cpuSeconds + (pgCpu ?? 0) + simCpu) /
          (sync.syncSeconds * os.availableParallelism()),
        loadAverage: os.loadavg(),
      };
      log(
        `messages ceiling: sync ${sync.status} in ${sync.syncSeconds.toFixed(1)} s, ` +
          `${sync.messages} messages, ${stats.requests} requests, ${stats.throttled} throttled; ` +
          `floor ${floor.seconds.toFixed(1)} s (${floor.bound}); CPU: sync ${sync.cpuSeconds.toFixed(0)} s, ` +
          `postgres ${pgCpu?.toFixed(0) ?? "?"} s, simulator ${simCpu.toFixed(0)} s ` +
          `on ${cpu.cores} cores (load ${cpu.loadAverage.map((l) => l.toFixed(1)).join(" ")})`,
      );
      log(`messages ceiling: ${JSON.stringify(timeline.summary)}`);
      // More is fine: the delta rounds re-read the hour before the run, which the
      // histories also hold (the loader writes them once).
      if (sync.messages < truth.messages)
        log(`messages ceiling: WARNING loaded ${sync.messages} of ${truth.messages} messages`);
      figures.figure("messages_ceiling_messages", truth.messages);
      figures.figure("messages_ceiling_sync_seconds", sync.syncSeconds);
      figures.figure("messages_ceiling_floor_seconds", floor.seconds);
      figures.figure("messages_ceiling_bound", floor.bound);
      figures.figure("messages_ceiling_ratio", floor.seconds / sync.syncSeconds);
      figures.figure("messages_throttled_share", throttledShare);
      figures.figure("messages_ceiling_cpu_share", cpu.machineShare);
      figures.detail("messagesCeiling", {
        sync,
        floor,
        tenant: {
          ...messagesTenantOptions(params),
          chats: truth.chats,
          messages: truth.messages,
          largestChat: truth.largestChat,
        },
        messageRequests: messageRequests(stats.byRouteKind),
        sim: simSummary(stats),
        cpu,
        timeline,
        definition:
          "floor_seconds = max over limited dimensions of (non-429 requests in that dimension / " +
          "its rate at rateScale), from the simulator's request log; messages_ceiling_ratio = " +
          "floor_seconds / sync_seconds (wall time of runSync in its own process, every stream); " +
          "messages_throttled_share = 429 answers / all Graph requests the simulator received; " +
          "messages_ceiling_cpu_share = (CPU of the sync process + Postgres + the simulator) / " +
          "(sync_seconds x cores)",
      });
      if (sync.status !== "succeeded")
        log(`messages ceiling: WARNING the sync ended ${sync.status}`);
      return { sync, floor, truth };
    },
  );
}

/**
 * When the run did what, in seconds from its first request (the simulator's arrival clock):
 * the message reads' first and last request, the busiest chat's first and last page, and
 * the chat-messages requests per 5-second window against that budget's rate.
 */
function timelineOf(
  entries: readonly RequestLogEntry[],
  truth: MessageTruth,
  scale: number,
): { summary: Record<string, unknown>; chatMessagesPer5s: number[]; otherGetsPer5s: number[] } {
  const served = entries.filter((e) => !e.throttled && e.status !== 429);
  const start = served.reduce((min, e) => Math.min(min, e.arrivedAtMs), Infinity);
  const at = (e: RequestLogEntry) => (e.arrivedAtMs - start) / 1000;
  const histories = served.filter((e) => e.routeKind === "listMessages");
  const largest = histories.filter((e) => e.chatId === truth.largestChat.id);
  const others = served.filter((e) =>
    ["listChats", "getChat", "listMembers", "listOperations", "getOperation"].includes(e.routeKind),
  );
  const per5s = (list: readonly RequestLogEntry[]) => {
    const bins: number[] = [];
    for (const e of list) {
      const bin = Math.floor(at(e) / 5);
      while (bins.length <= bin) bins.push(0);
      bins[bin] = (bins[bin] ?? 0) + 1;
    }
    return bins;
  };
  const first = (list: readonly RequestLogEntry[]) =>
    list.length ? list.reduce((min, e) => Math.min(min, at(e)), Infinity) : null;
  const last = (list: readonly RequestLogEntry[]) =>
    list.length ? list.reduce((max, e) => Math.max(max, at(e)), -Infinity) : null;
  const chatMessagesPerSecond = 20 * scale;
  const historiesFirst = first(histories) ?? 0;
  const historiesLast = last(histories) ?? 0;
  return {
    summary: {
      lastRequestS: last(served),
      otherGetsS: [first(others), last(others)],
      historiesS: [historiesFirst, historiesLast],
      histories: histories.length,
      // Of the chat-messages budget between the first and the last history page.
      historiesBudgetUse:
        histories.length / Math.max(1e-9, (historiesLast - historiesFirst) * chatMessagesPerSecond),
      largestChat: {
        id: truth.largestChat.id,
        pages: largest.length,
        firstS: first(largest),
        lastS: last(largest),
        pagesPerSecond:
          largest.length / Math.max(1e-9, (last(largest) ?? 0) - (first(largest) ?? 0)),
      },
      deltaRoundsS: [
        first(served.filter((e) => e.routeKind.startsWith("getAllMessages"))),
        last(served.filter((e) => e.routeKind.startsWith("getAllMessages"))),
      ],
    },
    chatMessagesPer5s: per5s(histories),
    otherGetsPer5s: per5s(others),
  };
}
