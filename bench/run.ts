/**
 * `npm run bench [-- --quick] [-- --only ceiling,copy,rerun,rss,baseline,messages,workers]
 * [-- --repeat n] [-- --rate-scale x] [-- --batch-users n]`:
 * the performance figures of issue 7, of the chat messages (issue 16: `messages` runs
 * messages-ceiling, messages-copy, messages-night and messages-rss) and of the worker processes
 * (issue 17: `workers` runs workers-speedup and workers-ceiling; `--batch-users n` for their
 * jobs). Figures print as `name=value` on stdout, progress on
 * stderr; all of them, with the parameters, go to bench/results/<timestamp>.json. With
 * `--repeat n` the chosen parts run n times (each on a fresh Postgres), each figure's
 * min/median/max is printed for the ratios and stored for all, and the goals are judged on
 * the medians: one machine's noise moves a single run too much to quote it alone.
 */
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { benchBaseline } from "./baseline-sdk.ts";
import { benchCeiling } from "./ceiling.ts";
import { benchCopyFloor } from "./copy-floor.ts";
import { benchMessagesCeiling } from "./messages-ceiling.ts";
import { benchMessagesCopy, messagesBackfill } from "./messages-copy.ts";
import { benchMessagesNight } from "./messages-night.ts";
import { benchMessagesRss } from "./messages-rss.ts";
import { messagesTenantOptions } from "./messages-tenant.ts";
import { benchRerun } from "./rerun.ts";
import { benchRss } from "./rss.ts";
import { benchWorkers } from "./workers.ts";
import {
  BENCH_DIR,
  COMPILED_CHILDREN,
  Figures,
  log,
  round,
  seconds,
  withPostgres,
  withSimulator,
  type BenchParams,
} from "./support.ts";

const MESSAGE_BENCHMARKS = [
  "messages-ceiling",
  "messages-copy",
  "messages-night",
  "messages-rss",
] as const;
const WORKER_BENCHMARKS = ["workers-speedup", "workers-ceiling"] as const;
const BENCHMARKS = [
  "ceiling",
  "copy",
  "rerun",
  "rss",
  "baseline",
  ...MESSAGE_BENCHMARKS,
  ...WORKER_BENCHMARKS,
] as const;
/** Names that stand for several benchmarks. */
const GROUPS: Record<string, readonly string[]> = {
  messages: MESSAGE_BENCHMARKS,
  workers: WORKER_BENCHMARKS,
};

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    repeat: { type: "string", default: "1" },
    // Graph's limits times this (default 10): 1 measures at Graph's real limits.
    "rate-scale": { type: "string" },
    "batch-users": { type: "string" },
  },
});
const repeat = Number(values.repeat);
if (!Number.isInteger(repeat) || repeat < 1) {
  console.error(`--repeat takes a whole number of runs, at least 1 (got ${values.repeat})`);
  process.exit(2);
}
const batchUsers = values["batch-users"] === undefined ? null : Number(values["batch-users"]);
if (batchUsers !== null && (!Number.isInteger(batchUsers) || batchUsers < 1)) {
  console.error(
    `--batch-users takes a whole number of users, at least 1 (got ${values["batch-users"]})`,
  );
  process.exit(2);
}
const only = new Set(
  values.only ? values.only.split(",").flatMap((name) => GROUPS[name] ?? [name]) : BENCHMARKS,
);
for (const name of only) {
  if (!(BENCHMARKS as readonly string[]).includes(name)) {
    console.error(
      `unknown benchmark ${name}; one of ${[...BENCHMARKS, ...Object.keys(GROUPS)].join(", ")}`,
    );
    process.exit(2);
  }
}

const rateScaleFlag = values["rate-scale"];
const rateScale = rateScaleFlag === undefined ? 10 : Number(rateScaleFlag);
if (!(rateScale > 0)) {
  console.error(`--rate-scale takes a positive number (got ${rateScaleFlag})`);
  process.exit(2);
}

const params: BenchParams = values.quick
  ? {
      quick: true,
      users: 200,
      chats: 6_000,
      seed: 7,
      rateScale,
      latencyMs: 50,
      latencyJitterMs: 40,
      rssSmall: { users: 20, chats: 600 },
      baselineStride: 20,
      messagesTenant: { users: 50, messages: { perChat: 400, largestChat: 5_000 } },
      workers: {
        speedup: { users: 100, chats: 3_000 },
        ceiling: { users: 200, chats: 6_000 },
        batchUsers,
      },
    }
  : {
      quick: false,
      users: 1_000,
      chats: 30_000,
      seed: 7,
      rateScale,
      latencyMs: 50,
      latencyJitterMs: 40,
      rssSmall: { users: 100, chats: 3_000 },
      baselineStride: 100,
      // 518,804 messages in 718 chats with seed 7; the largest chat 24,643.
      messagesTenant: { users: 300, messages: { perChat: 800 } },
      workers: {
        speedup: { users: 500, chats: 15_000 },
        ceiling: { users: 1_000, chats: 30_000 },
        batchUsers,
      },
    };
const environment = {
  node: process.version,
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? null,
  totalMemoryMb: Math.round(os.totalmem() / 2 ** 20),
  platform: `${os.platform()} ${os.release()}`,
  // What the pipeline's children run: the compiled build, as the binary does, unless a
  // source is newer than it (then tsx, and memory figures include the compiler).
  children: COMPILED_CHILDREN ? "dist (compiled)" : "tsx (sources newer than dist: npm run build)",
};
log(`parameters ${JSON.stringify(params)}; ${JSON.stringify(environment)}`);

interface Run {
  readonly figures: Figures["values"];
  readonly details: Figures["details"];
  readonly wallSeconds: number;
  readonly error: string | null;
}

/** One pass over the chosen benchmarks, on a Postgres of its own. */
async function runOnce(): Promise<Run> {
  const figures = new Figures();
  const started = performance.now();
  let error: string | null = null;
  try {
    await withPostgres(async (pg) => {
      let oursFullSeconds: number | null = null;
      if (only.has("ceiling")) {
        const ceiling = await benchCeiling(params, pg, figures);
        oursFullSeconds = ceiling.sync.syncSeconds;
      }
      if (only.has("copy") || only.has("rerun")) {
        // The rerun needs a synced warehouse: it follows the copy floor's sync, same tenant.
        const databaseUrl = await pg.freshDatabase("bench_unlimited");
        const replayUrl = await pg.freshDatabase("bench_replay");
        await withSimulator(
          {
            users: params.users,
            chats: params.chats,
            seed: params.seed,
            rateScale: 0,
            latencyMs: 0,
          },
          async (sim) => {
            await benchCopyFloor(sim, databaseUrl, replayUrl, figures);
            if (only.has("rerun")) await benchRerun(sim, databaseUrl, figures);
          },
        );
      }
      if (only.has("rss")) await benchRss(params, pg, figures);
      if (only.has("baseline")) await benchBaseline(params, pg, figures, oursFullSeconds);
      let messagesFloorSeconds: number | null = null;
      if (only.has("messages-ceiling")) {
        const ceiling = await benchMessagesCeiling(params, pg, figures);
        messagesFloorSeconds = ceiling.floor.seconds;
      }
      if (only.has("messages-copy") || only.has("messages-night")) {
        // The nights need a backfilled warehouse: they follow the copy floor's backfill.
        const databaseUrl = await pg.freshDatabase("bench_messages");
        await withSimulator(
          { ...messagesTenantOptions(params), rateScale: 0, latencyMs: 0 },
          async (sim) => {
            const backfill = await messagesBackfill(sim, databaseUrl);
            if (messagesFloorSeconds !== null) {
              // The ceiling ratio this machine allows at most: the limits' floor over the
              // same backfill with no limits at all.
              figures.figure(
                "messages_ceiling_machine_bound",
                messagesFloorSeconds / backfill.sync.syncSeconds,
              );
            }
            if (only.has("messages-copy")) {
              const replayUrl = await pg.freshDatabase("bench_messages_replay");
              await benchMessagesCopy(sim, backfill, databaseUrl, replayUrl, figures);
            }
            if (only.has("messages-night"))
              await benchMessagesNight(sim, backfill, databaseUrl, figures);
          },
        );
      }
      if (only.has("messages-rss")) await benchMessagesRss(params, pg, figures);
      const speedup = only.has("workers-speedup");
      const ceiling = only.has("workers-ceiling");
      if (speedup || ceiling) await benchWorkers(params, pg, figures, { speedup, ceiling });
    });
  } catch (failure) {
    error = failure instanceof Error ? (failure.stack ?? failure.message) : String(failure);
    log(`FAILED: ${error}`);
    process.exitCode = 1;
  }
  const wallSeconds = seconds(started);
  figures.figure("bench_wall_seconds", wallSeconds);
  return { figures: figures.values, details: figures.details, wallSeconds, error };
}

const runs: Run[] = [];
for (let i = 1; i <= repeat; i++) {
  if (repeat > 1) log(`run ${i} of ${repeat}`);
  const run = await runOnce();
  runs.push(run);
  if (run.error !== null) break; // a failed run says more than its repetitions would
}
const spread = spreadOf(runs.map((r) => r.figures));
if (repeat > 1) {
  for (const [name, s] of Object.entries(spread)) {
    if (!/ratio|speedup|429s|_vs_|_load$/.test(name)) continue;
    process.stdout.write(
      `${name}: min=${s.min} median=${s.median} max=${s.max} (${s.runs} runs)\n`,
    );
  }
}
/** The medians (and the last run's non-numeric figures): what the goals are judged on. */
const figures: Figures["values"] = { ...runs.at(-1)?.figures };
for (const [name, s] of Object.entries(spread)) figures[name] = s.median;
const error = runs.find((r) => r.error !== null)?.error ?? null;
const wallSeconds = runs.reduce((sum, r) => sum + r.wallSeconds, 0);

const file = path.join(
  BENCH_DIR,
  "results",
  `${new Date().toISOString().replace(/[:.]/g, "-")}.json`,
);
await mkdir(path.dirname(file), { recursive: true });
await writeFile(
  file,
  `${JSON.stringify(
    {
      params: { ...params, benchmarks: [...only], repeat },
      environment,
      figures,
      spread,
      goals: goals(figures),
      details: runs.at(-1)?.details ?? {},
      runs: runs.length > 1 ? runs : undefined,
      wallSeconds,
      error,
    },
    null,
    2,
  )}\n`,
);
log(`results in ${path.relative(process.cwd(), file)}`);

/** Each goal of issues 7 and 17 against what was measured (null: not measured in this run). */
function goals(v: Figures["values"]): Record<string, boolean | null> {
  const num = (name: string): number | null => (typeof v[name] === "number" ? v[name] : null);
  const check = (name: string, ok: (x: number) => boolean): boolean | null => {
    const x = num(name);
    return x === null ? null : ok(x);
  };
  return {
    "ceiling_ratio >= 0.95": check("ceiling_ratio", (x) => x >= 0.95),
    "throttled_share == 0": check("throttled_share", (x) => x === 0),
    "copy_ratio >= 0.50": check("copy_ratio", (x) => x >= 0.5),
    "baseline_speedup >= 20": check("baseline_speedup", (x) => x >= 20),
    "rss_growth <= 1.2": check("rss_growth", (x) => x <= 1.2),
    "peak_rss_mb < 250": check("peak_rss_mb", (x) => x < 250),
    "rerun_writes == 0": check("rerun_writes", (x) => x === 0),
    "rerun_requests == 0": check("rerun_requests", (x) => x === 0),
    "messages_ceiling_ratio >= 0.90": check("messages_ceiling_ratio", (x) => x >= 0.9),
    "messages_throttled_share < 0.01": check("messages_throttled_share", (x) => x < 0.01),
    "messages_copy_ratio >= 0.50": check("messages_copy_ratio", (x) => x >= 0.5),
    "messages_night_writes == 0": check("messages_night_writes", (x) => x === 0),
    "messages_rss_growth <= 1.10": check("messages_rss_growth", (x) => x <= 1.1),
    "workers_speedup >= 1.6": check("workers_speedup", (x) => x >= 1.6),
    "workers_ceiling_ratio >= 0.90": check("workers_ceiling_ratio", (x) => x >= 0.9),
    "workers_429s == 0": check("workers_429s", (x) => x === 0),
  };
}

interface Spread {
  readonly min: number;
  readonly median: number;
  readonly max: number;
  readonly runs: number;
}

/** Per numeric figure, its min, median and max over the runs that measured it. */
function spreadOf(all: readonly Figures["values"][]): Record<string, Spread> {
  const byName = new Map<string, number[]>();
  for (const values of all) {
    for (const [name, value] of Object.entries(values)) {
      if (typeof value !== "number" || !Number.isFinite(value)) continue;
      byName.set(name, [...(byName.get(name) ?? []), value]);
    }
  }
  const spread: Record<string, Spread> = {};
  for (const [name, values] of byName) {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    const median =
      sorted.length % 2 === 1
        ? (sorted[mid] ?? 0)
        : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
    spread[name] = {
      min: sorted[0] ?? 0,
      median: round(median),
      max: sorted.at(-1) ?? 0,
      runs: sorted.length,
    };
  }
  return spread;
}
