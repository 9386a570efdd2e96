/**
 * baseline_speedup: the throttled sync written the naive way with the official SDK
 * (bench/baseline-sdk-child.ts) against ours. The baseline is serial, so the full tenant
 * would take far too long: it syncs every `baselineStride`-th user (sorted by id) and is
 * extrapolated linearly by user-chat pairs (its cost is per listed chat: one upsert per
 * row, a members call per chat with 25 expanded members), i.e.
 *   baseline_seconds = subset_seconds x (all user-chat pairs / the subset's pairs).
 * baseline_speedup = baseline_seconds / our full-tenant throttled sync (the ceiling run).
 * For a like-for-like check, ours also syncs the same subset on the same (TLS) simulator:
 * baseline_speedup_subset = subset_seconds / our subset seconds.
 */
import type { Simulator } from "../src/sim/index.ts";
import {
  chatsPerUser,
  log,
  runChild,
  runChildSync,
  strideUsers,
  withSimulator,
  type BenchParams,
  type BenchPostgres,
  type Figures,
} from "./support.ts";

interface BaselineChildResult {
  readonly seconds: number;
  readonly requests: number;
  readonly rows: number;
}

export async function benchBaseline(
  params: BenchParams,
  pg: BenchPostgres,
  figures: Figures,
  oursFullSeconds: number | null,
): Promise<void> {
  await withSimulator(
    {
      users: params.users,
      chats: params.chats,
      seed: params.seed,
      rateScale: params.rateScale,
      latencyMs: params.latencyMs,
      tls: true,
    },
    async (sim) => {
      const caFile = sim.tls?.caFile;
      if (!caFile) throw new Error("the simulator did not start with TLS");
      const env = { NODE_EXTRA_CA_CERTS: caFile };
      const users = strideUsers(sim, params.baselineStride);
      const { subsetPairs, totalPairs } = pairs(sim, users);
      log(
        `baseline: SDK sync of ${users.length} of ${params.users} users (every ` +
          `${params.baselineStride}th), ${subsetPairs} of ${totalPairs} user-chat pairs`,
      );
      const baseline = await runChild<BaselineChildResult>(
        "baseline-sdk-child.ts",
        [
          "--graph-url",
          sim.url,
          "--database-url",
          await pg.freshDatabase("bench_baseline"),
          "--users",
          users.join(","),
        ],
        { BENCH_GRAPH_TOKEN: sim.token, ...env },
        60 * 60_000,
      );
      const baselineStats = sim.stats();
      log(`baseline: subset in ${baseline.seconds.toFixed(1)} s, ${baseline.rows} row upserts`);
      sim.setRateScale(params.rateScale); // buckets start full again
      sim.resetStats();
      log("baseline: ours on the same subset and simulator");
      const ours = await runChildSync({
        graphUrl: sim.url,
        token: sim.token,
        databaseUrl: await pg.freshDatabase("bench_baseline_ours"),
        rateScale: params.rateScale,
        users,
        env,
        timeoutMs: 30 * 60_000,
      });
      log(`baseline: ours on the subset in ${ours.syncSeconds.toFixed(1)} s`);
      const extrapolated = baseline.seconds * (totalPairs / subsetPairs);
      figures.figure("baseline_subset_users", users.length);
      figures.figure("baseline_subset_seconds", baseline.seconds);
      figures.figure("baseline_seconds_extrapolated", extrapolated);
      figures.figure("ours_subset_seconds", ours.syncSeconds);
      figures.figure("baseline_speedup_subset", baseline.seconds / ours.syncSeconds);
      if (oursFullSeconds !== null)
        figures.figure("baseline_speedup", extrapolated / oursFullSeconds);
      figures.detail("baseline", {
        extrapolated: true,
        subsetUsers: users.length,
        stride: params.baselineStride,
        subsetPairs,
        totalPairs,
        baseline: {
          ...baseline,
          simThrottled: baselineStats.throttled,
          byRouteKind: baselineStats.byRouteKind,
        },
        oursSubset: ours,
        oursFullSeconds,
        definition:
          "baseline_seconds_extrapolated = SDK subset seconds x total user-chat pairs / subset " +
          "pairs; baseline_speedup = that / our full-tenant throttled sync seconds (ceiling run, " +
          "http); baseline_speedup_subset = SDK subset seconds / ours on the same subset (https)",
      });
    },
  );
}

function pairs(
  sim: Simulator,
  users: readonly string[],
): { subsetPairs: number; totalPairs: number } {
  const counts = chatsPerUser(sim);
  const totalPairs = [...counts.values()].reduce((a, b) => a + b, 0);
  const subsetPairs = users.reduce((n, id) => n + (counts.get(id) ?? 0), 0);
  return { subsetPairs: Math.max(1, subsetPairs), totalPairs };
}
