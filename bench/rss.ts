/**
 * rss_growth: peak RSS of the sync process for a tenant 10x larger (users and chats) divided
 * by the small tenant's. Each sync runs in its own process (bench/child-sync.ts, compiled as
 * the binary runs it when the build is fresh) against a simulator in this process, with no
 * limits or latency, and reports its peak RSS at exit: VmHWM from /proc/self/status, the
 * high-water mark of its own memory since exec (getrusage's maxRSS, the fallback where
 * /proc is missing, also counts the parent's RSS at the fork on Linux).
 *
 * Three ways: as shipped (the pipeline's memory policy, src/memory-policy.ts: the heap may
 * grow 20% past the live set); with V8's own heap policy (`--heap-growing-percent=0`, which
 * the memory policy leaves alone: V8 lets garbage pile up towards a limit sized from the
 * machine's memory); and with the old generation capped at HEAP_CAP_MB
 * (`--max-old-space-size`), which a run completes only if what it keeps alive fits.
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

const HEAP_CAP_MB = 128;

export async function benchRss(
  params: BenchParams,
  pg: BenchPostgres,
  figures: Figures,
): Promise<void> {
  const small = params.rssSmall;
  const large = { users: small.users * 10, chats: small.chats * 10 };
  const runs: Record<string, ChildSyncResult> = {};
  for (const [name, size, nodeFlags] of [
    ["small", small, []],
    ["large", large, []],
    ["small_v8_default", small, ["--heap-growing-percent=0"]],
    ["large_v8_default", large, ["--heap-growing-percent=0"]],
    ["small_capped", small, [`--max-old-space-size=${HEAP_CAP_MB}`]],
    ["large_capped", large, [`--max-old-space-size=${HEAP_CAP_MB}`]],
  ] as const) {
    log(`rss: ${name} sync, ${size.users} users / ${size.chats} chats`);
    const databaseUrl = await pg.freshDatabase(`bench_rss_${name}`);
    const capped = name.endsWith("_capped");
    const run = await withSimulator(
      { ...size, seed: params.seed, rateScale: 0, latencyMs: 0 },
      (sim) =>
        runChildSync({
          graphUrl: sim.url,
          token: sim.token,
          databaseUrl,
          rateScale: 0,
          nodeFlags,
          timeoutMs: 30 * 60_000,
        }),
    ).catch((error: unknown) => {
      // A capped run that does not fit its heap is a finding, not a broken benchmark.
      if (!capped) throw error;
      log(`rss: ${name} did not complete within the ${HEAP_CAP_MB} MB heap: ${String(error)}`);
      return null;
    });
    if (!run) continue;
    runs[name] = run;
    log(
      `rss: ${name}: ${run.status} in ${run.syncSeconds.toFixed(1)} s, peak RSS ` +
        `${((run.vmHwmKb ?? run.maxRssKb) / 1024).toFixed(0)} MB`,
    );
  }
  const peakKb = (run: ChildSyncResult | undefined) => run?.vmHwmKb ?? run?.maxRssKb ?? NaN;
  const smallKb = peakKb(runs.small);
  const largeKb = peakKb(runs.large);
  figures.figure("rss_small_mb", smallKb / 1024);
  figures.figure("peak_rss_mb", largeKb / 1024);
  figures.figure("rss_growth", largeKb / smallKb);
  const seconds = (run: ChildSyncResult | undefined) => run?.syncSeconds ?? NaN;
  for (const [suffix, small, large] of [
    ["v8_default", runs.small_v8_default, runs.large_v8_default],
    ["capped", runs.small_capped, runs.large_capped],
  ] as const) {
    figures.figure(`peak_rss_${suffix}_mb`, peakKb(large) / 1024);
    figures.figure(`rss_growth_${suffix}`, peakKb(large) / peakKb(small));
  }
  // What each choice costs in time on the large sync.
  figures.figure("memory_policy_slowdown", seconds(runs.large) / seconds(runs.large_v8_default));
  figures.figure("heap_cap_slowdown", seconds(runs.large_capped) / seconds(runs.large));
  figures.detail("rss", {
    small: { ...small, ...runs.small },
    large: { ...large, ...runs.large },
    smallV8Default: { ...small, ...runs.small_v8_default },
    largeV8Default: { ...large, ...runs.large_v8_default },
    smallCapped: { ...small, heapCapMb: HEAP_CAP_MB, ...runs.small_capped },
    largeCapped: { ...large, heapCapMb: HEAP_CAP_MB, ...runs.large_capped },
    definition:
      "rss_growth = peak RSS(sync of users x10, chats x10) / peak RSS(small sync); " +
      "peak_rss_mb = the large sync's peak RSS (VmHWM at exit), as shipped " +
      "(heap growth 20% past the live set, src/memory-policy.ts); _v8_default: with " +
      "--heap-growing-percent=0 (V8's own policy); memory_policy_slowdown = shipped / " +
      "V8-default wall time of the large sync; _capped: the " +
      `same with --max-old-space-size=${HEAP_CAP_MB}; heap_cap_slowdown = capped / default ` +
      "wall time of the large sync",
  });
}
