/**
 * rss_growth: peak RSS of the sync process for a tenant 10x larger (users and chats,
 * same shape per user) divided by the small tenant's. Each sync runs in its own process
 * (bench/child-sync.ts) against a simulator in this process, with no limits or latency,
 * and reports process.resourceUsage().maxRSS at exit.
 */
import {
  log,
  runChildSync,
  withSimulator,
  type BenchParams,
  type BenchPostgres,
  type ChildSyncResult,
  type Figures,
} from "./support.ts";

export async function benchRss(
  params: BenchParams,
  pg: BenchPostgres,
  figures: Figures,
): Promise<void> {
  const small = params.rssSmall;
  const large = { users: small.users * 10, chats: small.chats * 10 };
  const runs: Record<string, ChildSyncResult> = {};
  for (const [name, size] of [
    ["small", small],
    ["large", large],
  ] as const) {
    log(`rss: ${name} sync, ${size.users} users / ${size.chats} chats`);
    const databaseUrl = await pg.freshDatabase(`bench_rss_${name}`);
    runs[name] = await withSimulator(
      { ...size, seed: params.seed, rateScale: 0, latencyMs: 0 },
      (sim) =>
        runChildSync({
          graphUrl: sim.url,
          token: sim.token,
          databaseUrl,
          rateScale: 0,
          timeoutMs: 30 * 60_000,
        }),
    );
    const run = runs[name];
    log(
      `rss: ${name}: ${run.status} in ${run.syncSeconds.toFixed(1)} s, peak RSS ` +
        `${(run.maxRssKb / 1024).toFixed(0)} MB`,
    );
  }
  const smallKb = runs.small?.maxRssKb ?? NaN;
  const largeKb = runs.large?.maxRssKb ?? NaN;
  figures.figure("rss_small_mb", smallKb / 1024);
  figures.figure("peak_rss_mb", largeKb / 1024);
  figures.figure("rss_growth", largeKb / smallKb);
  figures.detail("rss", {
    small: { ...small, ...runs.small },
    large: { ...large, ...runs.large },
    definition:
      "rss_growth = maxRSS(sync of users x10, chats x10) / maxRSS(small sync); " +
      "peak_rss_mb = the large sync's maxRSS (process.resourceUsage, at exit)",
  });
}
