/**
 * What every benchmark shares: a throwaway embedded Postgres (fresh database per
 * benchmark), the simulator, the child-process sync, and the figure log.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { freshBuild, ROOT } from "../bin/fresh-build.js";
import { migrateToLatest, openDatabase, startEmbeddedPostgres } from "../src/load/index.ts";
import { startSimulator, type Simulator, type SimulatorOptions } from "../src/sim/index.ts";

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));

/** The tenant and limits a bench run uses; printed and stored with the figures. */
export interface BenchParams {
  readonly quick: boolean;
  readonly users: number;
  readonly chats: number;
  readonly seed: number;
  readonly rateScale: number;
  readonly latencyMs: number;
  /** The ceiling's simulator varies each response's latency within ± this (seeded). */
  readonly latencyJitterMs: number;
  /** The small tenant of the RSS comparison (the large one is this x10 in users and chats). */
  readonly rssSmall: { readonly users: number; readonly chats: number };
  /** Users the SDK baseline syncs: every `baselineStride`-th user of the tenant. */
  readonly baselineStride: number;
  /** The tenants of bench/workers.ts: each of the two of the speedup, the one of the ceiling. */
  readonly workers: {
    readonly speedup: { readonly users: number; readonly chats: number };
    readonly ceiling: { readonly users: number; readonly chats: number };
    /** `enqueue --batch-users` (null: the command's default). */
    readonly batchUsers: number | null;
  };
}

export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** Figures print as `name=value` on stdout as they are measured and are kept for the JSON file. */
export class Figures {
  readonly values: Record<string, number | string | boolean | null> = {};
  readonly details: Record<string, unknown> = {};

  figure(name: string, value: number | string | boolean | null): void {
    const shown = typeof value === "number" ? round(value) : value;
    this.values[name] = shown;
    process.stdout.write(`${name}=${String(shown)}\n`);
  }

  detail(benchmark: string, value: unknown): void {
    this.details[benchmark] = value;
  }
}

export function round(value: number, digits = 4): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function seconds(fromMs: number): number {
  return (performance.now() - fromMs) / 1000;
}

export interface BenchPostgres {
  /** Creates an empty database with the warehouse schema migrated in; returns its URL. */
  freshDatabase(name: string): Promise<string>;
}

/** An embedded Postgres in a temp dir for the whole bench run, removed at the end (also on failure). */
export async function withPostgres<T>(fn: (pg: BenchPostgres) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "tcs-bench-"));
  try {
    log(`starting embedded Postgres in ${dir}`);
    const server = await startEmbeddedPostgres({ dir, port: 0, persistent: false });
    try {
      return await fn({ freshDatabase: (name) => freshDatabase(server.url, name) });
    } finally {
      await server.stop().catch((error: unknown) => log(`stopping Postgres: ${String(error)}`));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function freshDatabase(adminUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${name}`);
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const { db, close } = openDatabase(url.href);
  try {
    const { error } = await migrateToLatest(db);
    if (error) throw new Error(`migrating ${name}`, { cause: error });
  } finally {
    await close();
  }
  return url.href;
}

export async function withSimulator<T>(
  options: SimulatorOptions,
  fn: (sim: Simulator) => Promise<T>,
): Promise<T> {
  const started = performance.now();
  const sim = await startSimulator({ requestLogLimit: 0, ...options });
  log(
    `simulator ${sim.url}: ${options.users} users, ${options.chats} chats, seed ${options.seed}, ` +
      `rateScale ${options.rateScale}, latency ${options.latencyMs ?? 0} ± ` +
      `${options.latencyJitterMs ?? 0} ms ` +
      `(generated in ${seconds(started).toFixed(1)} s)`,
  );
  try {
    return await fn(sim);
  } finally {
    await sim.close();
  }
}

/** What bench/child-sync.ts prints as its last stdout line. */
export interface ChildSyncResult {
  readonly syncSeconds: number;
  readonly status: string;
  readonly usersTotal: number;
  readonly usersFailed: number;
  readonly chats: number;
  readonly members: number;
  readonly requests: number;
  readonly throttled: number;
  readonly retries: number;
  readonly rowsWritten: { readonly inserted: number; readonly updated: number };
  readonly fatal: string | null;
  /**
   * process.resourceUsage().maxRSS at exit, in kB. Not the process's own peak on Linux: a
   * child made by fork + exec starts with its parent's RSS at the fork as its maximum
   * (every bench child reported the bench process's 424 MB). See vmHwmKb.
   */
  readonly maxRssKb: number;
  /** VmHWM from /proc/self/status at exit, in kB (null where there is no procfs). */
  readonly vmHwmKb: number | null;
}

export interface ChildSyncArgs {
  readonly graphUrl: string;
  readonly token: string;
  readonly databaseUrl: string;
  readonly rateScale: number;
  readonly users?: readonly string[];
  readonly concurrency?: number;
  /** Extra environment (NODE_EXTRA_CA_CERTS for a TLS simulator). */
  readonly env?: Record<string, string>;
  /** Node flags for the child (e.g. a V8 heap cap). */
  readonly nodeFlags?: readonly string[];
  readonly timeoutMs: number;
}

/** Runs one sync in a child process (`node --import tsx bench/child-sync.ts`). */
export function runChildSync(args: ChildSyncArgs): Promise<ChildSyncResult> {
  const argv = [
    "--graph-url",
    args.graphUrl,
    "--database-url",
    args.databaseUrl,
    "--rate-scale",
    String(args.rateScale),
    ...(args.users ? ["--users", args.users.join(",")] : []),
    ...(args.concurrency ? ["--concurrency", String(args.concurrency)] : []),
  ];
  return runChild<ChildSyncResult>(
    "child-sync.ts",
    argv,
    {
      BENCH_GRAPH_TOKEN: args.token,
      ...args.env,
    },
    args.timeoutMs,
    args.nodeFlags,
  );
}

/**
 * Runs a bench child the way the binary runs the pipeline: the compiled build
 * (`node dist/bench/<file>.js`) when it is fresh, else `node --import tsx bench/<file>`
 * (see bin/fresh-build.js). Its last stdout line is its JSON result.
 */
export function runChild<T>(
  file: string,
  argv: readonly string[],
  env: Record<string, string>,
  timeoutMs: number,
  extraNodeFlags: readonly string[] = [],
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    // BENCH_CHILD_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the children.
    const nodeFlags = [
      ...(process.env.BENCH_CHILD_NODE_FLAGS ?? "").split(" ").filter(Boolean),
      ...extraNodeFlags,
    ];
    const entry = freshBuild()
      ? [path.join(ROOT, "dist", "bench", file.replace(/\.ts$/, ".js"))]
      : ["--import", "tsx", path.join(BENCH_DIR, file)];
    const child = spawn(process.execPath, [...nodeFlags, ...entry, ...argv], {
      env: { ...process.env, LOG_LEVEL: "warn", ...env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      out += chunk;
      if (out.length > 1_000_000) out = out.slice(-100_000);
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${file} did not finish within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const last = out.trim().split("\n").pop() ?? "";
      if (code !== 0) {
        reject(new Error(`${file} exited with ${code}: ${last}`));
        return;
      }
      try {
        resolve(JSON.parse(last) as T);
      } catch (error) {
        reject(new Error(`${file} printed no JSON result: ${last}`, { cause: error }));
      }
    });
  });
}

/** The warehouse's data tables (what the sync writes; bookkeeping tables aside). */
export { DATA_TABLES } from "../src/load/index.ts";

/** Every `stride`-th user of the tenant (sorted by id): a deterministic, spread-out subset. */
export function strideUsers(sim: Simulator, stride: number): string[] {
  const ids = sim
    .state()
    .users.map((u) => u.id)
    .sort();
  return ids.filter((_, i) => i % stride === 0);
}

/** User-chat pairs (listing rows) per user, from the simulator's ground truth. */
export function chatsPerUser(sim: Simulator): Map<string, number> {
  const counts = new Map<string, number>();
  for (const chat of sim.state().chats) {
    for (const userId of Object.keys(chat.viewpoints))
      counts.set(userId, (counts.get(userId) ?? 0) + 1);
  }
  return counts;
}
