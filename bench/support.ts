/**
 * What every benchmark shares: a throwaway embedded Postgres (fresh database per
 * benchmark), the simulator, the child-process sync, and the figure log.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
import { freshBuild, ROOT } from "../bin/fresh-build.js";
import { parentOf, postmasterCpuSeconds } from "./procfs.ts";
import { migrateToLatest, openDatabase, startEmbeddedPostgres } from "../src/load/index.ts";
import { systemSleep } from "../src/runtime.ts";
import {
  startSimulator,
  type MessageVolumeOptions,
  type Simulator,
  type SimulatorOptions,
} from "../src/sim/index.ts";

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
  /** The messages benchmarks' tenant: its users and message volume (chats per user default). */
  readonly messagesTenant: {
    readonly users: number;
    readonly messages: MessageVolumeOptions;
  };
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
  const chats = options.chats ?? sim.state().chats.length;
  const messages = options.messages ? `, messages ${JSON.stringify(options.messages)}` : "";
  log(
    `simulator ${sim.url}: ${options.users} users, ${chats} chats${messages}, seed ${options.seed}, ` +
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
  /** Messages the messages stream loaded (0 without it). */
  readonly messages: number;
  readonly requests: number;
  readonly throttled: number;
  readonly retries: number;
  readonly rowsWritten: { readonly inserted: number; readonly updated: number };
  readonly fatal: string | null;
  /** The sync process's CPU time (user + system) at exit, in seconds. */
  readonly cpuSeconds: number;
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
  /** The streams to sync (default: the default streams, messages left out). */
  readonly streams?: readonly string[];
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
    ...(args.streams ? ["--streams", args.streams.join(",")] : []),
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
 * Whether the children run the compiled build: decided once, when the bench starts, so
 * that a source saved during a run does not switch the later children to tsx, whose
 * compiler counts in their memory and start-up.
 */
export const COMPILED_CHILDREN = freshBuild();

/**
 * Runs a bench child the way the binary runs the pipeline: the compiled build
 * (`node dist/bench/<file>.js`) when it was fresh at the bench's start, else
 * `node --import tsx bench/<file>` (see bin/fresh-build.js). Its last stdout line is its
 * JSON result.
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
    const entry = COMPILED_CHILDREN
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

/**
 * CPU seconds (user + system) the Postgres server behind `databaseUrl` has used so far: its
 * postmaster, the backends it has reaped (a sync's connections, once closed), and its live
 * processes. Read from procfs (null where there is none, or the server runs elsewhere).
 * Differences of two readings tell what a sync cost the database.
 */
export async function postgresCpuSeconds(databaseUrl: string): Promise<number | null> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  let postmaster: number;
  try {
    const { rows } = await client.query<{ pid: number }>("select pg_backend_pid() as pid");
    // Read while the backend lives: its parent is the postmaster.
    postmaster = parentOf(rows[0]?.pid ?? 0);
  } finally {
    await client.end();
  }
  return postmasterCpuSeconds(postmaster);
}

/** This process's CPU seconds so far (user + system): the simulator's, when it runs here. */
export function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** What a raw COPY of one table's final rows took (see copyFloor). */
export interface CopiedTable {
  readonly rows: number;
  readonly bytes: number;
  readonly seconds: number;
}

const COPY_TRIES = 2;

/**
 * Postgres's physical floor for loading the synced rows of `tables`: each table's rows are
 * read back (COPY … TO STDOUT, text format, untimed) and written with a raw COPY … FROM
 * STDIN into an empty copy of the table (schema copy_floor, `LIKE teams.<t> INCLUDING
 * ALL`: same columns, defaults, constraints and indexes), each after a CHECKPOINT (the
 * sync's WAL flushed, not competing), the faster of COPY_TRIES tries. The floor's tables
 * are dropped after, and the server is left quiet (a checkpoint, autovacuum idle) for
 * what is timed next.
 */
export async function copyFloor(
  databaseUrl: string,
  tables: readonly string[],
  label: string,
): Promise<Record<string, CopiedTable>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const copied: Record<string, CopiedTable> = {};
  try {
    await client.query("drop schema if exists copy_floor cascade");
    await client.query("create schema copy_floor");
    for (const table of tables) {
      await client.query(`create table copy_floor.${table} (like teams.${table} including all)`);
      const chunks: Buffer[] = [];
      for await (const chunk of client.query(copyTo(`copy teams.${table} to stdout`)))
        chunks.push(chunk as Buffer);
      let took = Infinity;
      for (let attempt = 0; attempt < COPY_TRIES; attempt++) {
        await client.query(`truncate copy_floor.${table}`);
        await client.query("checkpoint");
        const started = performance.now();
        await pipeline(
          Readable.from(chunks),
          client.query(copyFrom(`copy copy_floor.${table} from stdin`)),
        );
        took = Math.min(took, seconds(started));
      }
      const { rows } = await client.query<{ n: string }>(
        `select count(*) as n from copy_floor.${table}`,
      );
      copied[table] = {
        rows: Number(rows[0]?.n ?? 0),
        bytes: chunks.reduce((n, c) => n + c.length, 0),
        seconds: took,
      };
      log(`${label}: ${table}: ${copied[table].rows} rows in ${took.toFixed(2)} s`);
    }
    await client.query("drop schema copy_floor cascade");
    await client.query("checkpoint");
    await untilAutovacuumIdle(client, label);
  } finally {
    await client.end();
  }
  return copied;
}

/** Waits (at most two minutes) until no autovacuum worker runs on the server. */
async function untilAutovacuumIdle(client: pg.Client, label: string): Promise<void> {
  const deadline = performance.now() + 120_000;
  while (performance.now() < deadline) {
    const { rows } = await client.query<{ n: number }>(
      "select count(*)::int as n from pg_stat_activity where backend_type = 'autovacuum worker'",
    );
    if ((rows[0]?.n ?? 0) === 0) return;
    await systemSleep(500);
  }
  log(`${label}: autovacuum still busy after two minutes; going on anyway`);
}

/** Rows inserted, updated and deleted per table of schema teams (pg_stat_user_tables). */
export type TableStats = Record<string, { ins: number; upd: number; del: number }>;

/** Flushed, settled table counters of schema teams. */
export async function tableStats(databaseUrl: string): Promise<TableStats> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    let last = "";
    // Exited backends flush as they go; wait (bounded) until two reads agree.
    for (let attempt = 0; attempt < 20; attempt++) {
      await client.query("select pg_stat_force_next_flush()");
      await client.query("select pg_stat_clear_snapshot()");
      const { rows } = await client.query<{
        relname: string;
        ins: string;
        upd: string;
        del: string;
      }>(
        `select relname, n_tup_ins as ins, n_tup_upd as upd, n_tup_del as del
           from pg_stat_user_tables where schemaname = 'teams' order by relname`,
      );
      const current = JSON.stringify(rows);
      if (current === last) {
        return Object.fromEntries(
          rows.map((r) => [
            r.relname,
            { ins: Number(r.ins), upd: Number(r.upd), del: Number(r.del) },
          ]),
        );
      }
      last = current;
      await systemSleep(500);
    }
    throw new Error("pg_stat_user_tables did not settle within 10 s");
  } finally {
    await client.end();
  }
}
