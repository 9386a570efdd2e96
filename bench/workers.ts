/**
 * The sync spread over worker processes (graphile-worker), as users run it: the binary's
 * `worker` processes, started and registered first, then `enqueue --all`; a run's time is
 * from the enqueue command's start to the last tenant's run finished in the database.
 *
 * workers_speedup: two tenants of the same size, unthrottled (simulator and limiter
 * without limits, 50 ± 40 ms latency), each simulator in a process of its own; the time
 * with one worker process / the time with two. Two jobs run at once either way: one
 * process with `--concurrency 2` runs both tenants, two with `--concurrency 1` one each
 * (with 2 each, graphile-worker may give both tenants' jobs to one process).
 *
 * workers_ceiling_ratio: three worker processes on one tenant whose simulator enforces
 * Graph's limits (scaled, as bench/ceiling.ts). The tenant's ceiling for the workload is
 * bench/ceiling.ts's floor (its busiest budget's requests / that budget's rate); the
 * achieved rate is the requests over their span of arrival at the simulator, so the ratio
 * is floor_seconds / arrival_span_seconds. workers_429s: the simulator's 429 answers. The
 * same tenant synced by one process just before gives the same ratio for one process: what
 * the machine allows at the moment (it is shared), against which the workers' reads.
 */
import { writeFileSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { freshBuild } from "../bin/fresh-build.js";
import type { RequestLogEntry } from "../src/sim/index.ts";
import { dimensionsOf } from "../src/sim/throttle/throttler.ts";
import { floorOf, simSummary, type Floor } from "./ceiling.ts";
import { cpuSecondsOf, machineCpu, parentOf, postmasterCpuSeconds } from "./procfs.ts";
import {
  loadNow,
  runBinary,
  startBinary,
  startSimChild,
  stop,
  type Running,
  type SimChild,
} from "./processes.ts";
import {
  log,
  round,
  runChildSync,
  withSimulator,
  type BenchParams,
  type BenchPostgres,
  type Figures,
} from "./support.ts";

/** Jobs a worker process runs at once by default (the command's default). */
const WORKER_CONCURRENCY = 2;

interface TenantEndpoint {
  readonly name: string;
  readonly url: string;
  readonly token: string;
}

export async function benchWorkers(
  params: BenchParams,
  postgres: BenchPostgres,
  figures: Figures,
  parts: { readonly speedup: boolean; readonly ceiling: boolean } = {
    speedup: true,
    ceiling: true,
  },
): Promise<void> {
  if (!freshBuild()) log("workers: WARNING the build is stale: the binary runs through tsx");
  if (parts.speedup) await benchSpeedup(params, postgres, figures);
  if (parts.ceiling) await benchWorkersCeiling(params, postgres, figures);
}

async function benchSpeedup(
  params: BenchParams,
  postgres: BenchPostgres,
  figures: Figures,
): Promise<void> {
  const { users, chats } = params.workers.speedup;
  log(
    `workers_speedup: two tenants of ${users} users / ${chats} chats, unthrottled, ` +
      `${params.latencyMs} ± ${params.latencyJitterMs} ms latency; 1 then 2 worker processes`,
  );
  const runs: WorkersRun[] = [];
  for (const workers of [1, 2]) {
    // Simulators of their own for each run: a simulator answers faster the second time
    // (what it made lazily the first time), which would favour the second run.
    const sims: SimChild[] = [];
    try {
      for (const [i, name] of ["t1", "t2"].entries()) {
        const started = performance.now();
        const sim = await startSimChild({
          users,
          chats,
          seed: params.seed + i,
          token: `${name}-token`,
          rateScale: 0,
          latencyMs: params.latencyMs,
          latencyJitterMs: params.latencyJitterMs,
        });
        log(`simulator ${name} ${sim.url} (pid ${sim.pid}) ready in ${secondsSince(started)} s`);
        sims.push(sim);
      }
      const run = await workersRun(postgres, {
        label: `speedup_${workers}`,
        tenants: sims.map((sim, i) => ({ name: `t${i + 1}`, url: sim.url, token: sim.token })),
        workers,
        // Two jobs at once either way: one process running both tenants, or one each.
        concurrency: 2 / workers,
        rateScale: 0,
        simPids: sims.map((sim) => sim.pid),
        timeoutMs: 30 * 60_000,
        batchUsers: params.workers.batchUsers,
      });
      runs.push(run);
      figures.figure(`workers_${workers}_seconds`, run.seconds);
      figures.figure(`workers_${workers}_load`, run.load.start);
    } finally {
      for (const sim of sims) await sim.close().catch(() => undefined);
    }
  }
  const [one, two] = runs as [WorkersRun, WorkersRun];
  figures.figure("workers_speedup", one.seconds / two.seconds);
  // The most a second process can gain when the cores are the limit: one process runs
  // on one core at most, and everything (workers, simulators, Postgres, this process)
  // shares the machine's cores; from the CPU seconds the 1-worker run spent.
  const w = one.cpu.workers ?? 0;
  const all = w + (one.cpu.simulators ?? 0) + (one.cpu.postgres ?? 0) + (one.cpu.benchProcess ?? 0);
  const cores = one.load.cores;
  figures.figure(
    "workers_speedup_cpu_bound",
    Math.max(w, all / cores) / Math.max(w / 2, all / cores),
  );
  figures.detail("workers_speedup", {
    definition:
      "seconds from `enqueue --all` to the last tenant's run finished (sync_runs.finished_at), " +
      `two tenants of ${users} users / ${chats} chats, simulators unthrottled in processes of ` +
      "their own; two jobs at once either way (1 worker --concurrency 2, 2 workers " +
      "--concurrency 1 each, so that each runs a tenant); " +
      "workers_speedup = seconds(1 worker) / seconds(2 workers); workers_speedup_cpu_bound = " +
      "max(W, A / cores) / max(W / 2, A / cores) with W the 1-worker run's CPU seconds in " +
      "the worker and A in the worker, simulators, Postgres and the bench process: the " +
      "speedup the cores allow when CPU is the limit (a process uses one core at most)",
    runs,
  });
}

async function benchWorkersCeiling(
  params: BenchParams,
  postgres: BenchPostgres,
  figures: Figures,
): Promise<void> {
  const { users, chats } = params.workers.ceiling;
  log(
    `workers_ceiling: one tenant of ${users} users / ${chats} chats, limits x${params.rateScale}, ` +
      `${params.latencyMs} ± ${params.latencyJitterMs} ms latency; 3 worker processes`,
  );
  await withSimulator(
    {
      users,
      chats,
      seed: params.seed,
      token: "t1-token",
      rateScale: params.rateScale,
      latencyMs: params.latencyMs,
      latencyJitterMs: params.latencyJitterMs,
      requestLogLimit: 2_000_000,
    },
    async (sim) => {
      // The same tenant synced by one process first (as bench/ceiling.ts does): what the
      // machine allows right now, so that the workers' figure reads against it.
      const processUrl = await postgres.freshDatabase("bench_workers_ceiling_process");
      const processLoad = loadNow();
      const inProcess = await runChildSync({
        graphUrl: sim.url,
        token: sim.token,
        databaseUrl: processUrl,
        rateScale: params.rateScale,
        timeoutMs: 30 * 60_000,
      });
      const processStats = sim.stats();
      if (processStats.log.length < processStats.requests)
        throw new Error("request log truncated: raise requestLogLimit");
      const processFloor = floorOf(processStats.log, params.rateScale);
      const processRatio = processFloor.seconds / arrivalSpanSeconds(processStats.log);
      log(
        `workers_ceiling: one process: ${inProcess.status} in ${inProcess.syncSeconds.toFixed(1)} s, ` +
          `ratio ${processRatio.toFixed(3)} (load ${processLoad.load1.toFixed(2)})`,
      );
      sim.resetStats();
      sim.setRateScale(params.rateScale); // its buckets start full again

      const run = await workersRun(postgres, {
        label: "ceiling",
        tenants: [{ name: "t1", url: sim.url, token: sim.token }],
        workers: 3,
        concurrency: WORKER_CONCURRENCY,
        rateScale: params.rateScale,
        simPids: [],
        timeoutMs: 30 * 60_000,
        batchUsers: params.workers.batchUsers,
      });
      const stats = sim.stats();
      if (stats.log.length < stats.requests)
        throw new Error("request log truncated: raise requestLogLimit");
      const floor = floorOf(stats.log, params.rateScale);
      const spanSeconds = arrivalSpanSeconds(stats.log);
      const ratio = floor.seconds / spanSeconds;
      figures.figure("workers_ceiling_seconds", run.seconds);
      figures.figure("workers_ceiling_span_seconds", spanSeconds);
      figures.figure("workers_ceiling_floor_seconds", floor.seconds);
      figures.figure("workers_ceiling_ratio", ratio);
      figures.figure("workers_ceiling_process_ratio", processRatio);
      figures.figure("workers_ceiling_vs_process", ratio / processRatio);
      // Requests the jobs made in the busiest budget beyond what one process needed.
      const boundOf = (f: Floor): number => f.dimensions[f.bound]?.requests ?? 0;
      figures.figure("workers_extra_requests", boundOf(floor) - boundOf(processFloor));
      figures.figure("workers_ceiling_wall_ratio", floor.seconds / run.seconds);
      figures.figure("workers_429s", stats.throttled);
      figures.figure("workers_ceiling_load", run.load.start);
      figures.detail("workers_ceiling", {
        definition:
          "floor_seconds as ceiling_ratio's (busiest budget's non-429 requests / its rate at " +
          "rateScale); span_seconds = last - first arrival at the simulator; " +
          "workers_ceiling_ratio = floor_seconds / span_seconds; workers_ceiling_wall_ratio = " +
          "floor_seconds / seconds from `enqueue` to the run finished; workers_429s = the " +
          "simulator's 429 answers; workers_ceiling_process_ratio: the same for one process " +
          "syncing the same tenant just before (bench/child-sync.ts), workers_ceiling_vs_process " +
          "= workers_ceiling_ratio / workers_ceiling_process_ratio; workers_extra_requests = the " +
          "requests in the busiest budget beyond the ones one process made",
        run,
        process: {
          sync: inProcess,
          floor: processFloor,
          load: round(processLoad.load1, 2),
          sim: simSummary(processStats),
        },
        floor,
        sim: simSummary(stats),
        breakdown: ceilingBreakdown(stats.log, run, floor),
        idleStretches: idleStretches(stats.log.map((e) => e.arrivedAtMs)),
      });
    },
  );
}

interface RunOptions {
  readonly label: string;
  readonly tenants: readonly TenantEndpoint[];
  readonly workers: number;
  /** `worker --concurrency`. */
  readonly concurrency: number;
  readonly rateScale: number;
  /** Simulator processes whose CPU counts (none when the simulator runs in this process). */
  readonly simPids: readonly number[];
  readonly timeoutMs: number;
  /** `enqueue --batch-users` (null: its default). */
  readonly batchUsers: number | null;
}

interface BatchRow {
  readonly tenant: string;
  readonly batch: number;
  readonly attempt: number;
  readonly pid: number | null;
  readonly started: number;
  readonly finished: number;
  readonly requests: number;
}

export interface WorkersRun {
  readonly workers: number;
  readonly seconds: number;
  readonly startupSeconds: number;
  readonly enqueueSeconds: number;
  readonly runs: readonly {
    tenant: string;
    status: string;
    usersTotal: number;
    usersSucceeded: number;
    requests: number;
    seconds: number;
  }[];
  /** Per tenant: the worker pids that ran its batches, busy and idle time between them. */
  readonly batches: Record<string, unknown>;
  /** When the enqueue command started, and each batch attempt's window (epoch ms). */
  readonly enqueuedAt: number;
  readonly batchWindows: readonly BatchRow[];
  readonly finishedAt: number;
  /** CPU seconds during the timed part, by who spent them, and the machine's. */
  readonly cpu: Record<string, number>;
  readonly load: { readonly start: number; readonly end: number; readonly cores: number };
}

/**
 * One timed run: a fresh database, `workers` worker processes registered, `enqueue --all`,
 * every tenant's run finished. The workers are stopped (SIGTERM) afterwards.
 */
async function workersRun(pgServer: BenchPostgres, options: RunOptions): Promise<WorkersRun> {
  const databaseUrl = await pgServer.freshDatabase(`bench_workers_${options.label}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), "tcs-bench-workers-"));
  const tenantsFile = path.join(dir, "tenants.json");
  writeFileSync(
    tenantsFile,
    JSON.stringify(
      options.tenants.map((t) => ({
        name: t.name,
        accessTokenEnv: `${t.name.toUpperCase()}_TOKEN`,
        graphBaseUrl: t.url,
      })),
    ),
  );
  const env = {
    DATABASE_URL: databaseUrl,
    ...Object.fromEntries(options.tenants.map((t) => [`${t.name.toUpperCase()}_TOKEN`, t.token])),
  };
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const workers: Running[] = [];
  try {
    const { rows: backend } = await client.query<{ pid: number }>("select pg_backend_pid() as pid");
    const postmaster = parentOf(backend[0]?.pid ?? 0);
    const startupStarted = performance.now();
    const registered = async (n: number): Promise<void> =>
      waitFor(
        async () => {
          assertAlive(workers);
          const { rows } = await client.query<{ n: number }>(
            "select count(*)::int as n from teams.sync_workers where cardinality(pool_ids) > 0",
          );
          return (rows[0]?.n ?? 0) >= n;
        },
        120_000,
        "the workers to register",
      );
    // The first worker installs graphile-worker's schema before the others start: started
    // at once on a fresh database, one of them once failed in graphile-worker's migrations.
    for (let i = 0; i < options.workers; i++) {
      workers.push(
        startBinary(
          [
            "worker",
            "--tenants-file",
            tenantsFile,
            "--concurrency",
            String(options.concurrency),
            "--rate-scale",
            String(options.rateScale),
          ],
          env,
          path.join(dir, `worker-${i + 1}.log`),
        ),
      );
      if (i === 0) await registered(1);
    }
    await registered(options.workers);
    const startupSeconds = secondsSince(startupStarted);
    const load = loadNow();
    const cpuBefore = cpuSnapshot(workers, options.simPids, postmaster);
    const startedAt = Date.now();
    const started = performance.now();
    log(
      `workers ${options.label}: ${options.workers} worker(s) ready in ${startupSeconds} s; ` +
        `enqueue --all (load ${load.load1.toFixed(2)} on ${load.cores} cores)`,
    );
    const enqueueArgs = ["enqueue", "--all", "--tenants-file", tenantsFile];
    if (options.batchUsers !== null) enqueueArgs.push("--batch-users", String(options.batchUsers));
    await runBinary(enqueueArgs, env, 60_000);
    const enqueueSeconds = secondsSince(started);
    const names = options.tenants.map((t) => t.name);
    await waitFor(
      async () => {
        assertAlive(workers);
        const { rows } = await client.query<{ n: number }>(
          `select count(distinct tenant)::int as n from teams.sync_runs
            where executor = 'workers' and status <> 'running' and tenant = any($1::text[])`,
          [names],
        );
        return (rows[0]?.n ?? 0) === names.length;
      },
      options.timeoutMs,
      "every tenant's run to finish",
    );
    const cpuAfter = cpuSnapshot(workers, options.simPids, postmaster);
    const loadEnd = loadNow();
    const { rows: runRows } = await client.query<{
      tenant: string;
      status: string;
      users_total: number;
      users_succeeded: number;
      requests: number;
      started_at: Date;
      finished_at: Date;
    }>(
      `select tenant, status, users_total, users_succeeded, requests::int, started_at, finished_at
         from teams.sync_runs where executor = 'workers' order by tenant`,
    );
    const lastFinished = Math.max(...runRows.map((r) => r.finished_at.getTime()));
    const seconds = (lastFinished - startedAt) / 1000;
    for (const r of runRows) {
      if (r.status !== "succeeded" || r.users_succeeded !== r.users_total)
        log(`workers ${options.label}: WARNING tenant ${r.tenant}'s run ended ${r.status}`);
    }
    const { rows: batchRows } = await client.query<{
      tenant: string;
      batch: number;
      attempt: number;
      pid: number | null;
      started_at: Date;
      finished_at: Date;
      requests: number;
    }>(
      `select tenant, batch, attempt, pid, started_at, finished_at, requests::int
         from teams.sync_run_jobs order by tenant, started_at`,
    );
    const windows = batchRows.map((b): BatchRow => ({
      tenant: b.tenant,
      batch: b.batch,
      attempt: b.attempt,
      pid: b.pid,
      started: b.started_at.getTime(),
      finished: b.finished_at.getTime(),
      requests: b.requests,
    }));
    const batches = batchSummary(
      windows,
      runRows.map((r) => ({
        tenant: r.tenant,
        started: r.started_at.getTime(),
        finished: r.finished_at.getTime(),
      })),
      startedAt,
    );
    const cpu = cpuDelta(cpuBefore, cpuAfter, seconds);
    log(
      `workers ${options.label}: ${seconds.toFixed(1)} s; cpu ${JSON.stringify(cpu)}; ` +
        `load ${load.load1.toFixed(2)} -> ${loadEnd.load1.toFixed(2)}`,
    );
    return {
      workers: options.workers,
      seconds,
      startupSeconds,
      enqueueSeconds,
      runs: runRows.map((r) => ({
        tenant: r.tenant,
        status: r.status,
        usersTotal: r.users_total,
        usersSucceeded: r.users_succeeded,
        requests: r.requests,
        seconds: round((r.finished_at.getTime() - r.started_at.getTime()) / 1000, 2),
      })),
      batches,
      enqueuedAt: startedAt,
      batchWindows: windows,
      finishedAt: lastFinished,
      cpu,
      load: { start: round(load.load1, 2), end: round(loadEnd.load1, 2), cores: load.cores },
    };
  } finally {
    for (const w of workers) await stop(w);
    await client.end();
  }
}

interface CpuSnapshot {
  readonly workers: number;
  readonly sims: number;
  readonly bench: number;
  readonly postgres: number;
  readonly machineBusy: number;
  readonly machineTotal: number;
}

function cpuSnapshot(
  workers: readonly Running[],
  simPids: readonly number[],
  postmaster: number,
): CpuSnapshot {
  const machine = machineCpu();
  const own = process.cpuUsage();
  return {
    workers: workers.reduce((sum, w) => sum + cpuSecondsOf(w.pid), 0),
    sims: simPids.reduce((sum, pid) => sum + cpuSecondsOf(pid), 0),
    bench: (own.user + own.system) / 1e6,
    postgres: postmasterCpuSeconds(postmaster) ?? 0,
    machineBusy: machine.busy,
    machineTotal: machine.total,
  };
}

/**
 * CPU seconds spent in the timed part: the workers', the simulators' (this process's when
 * they run in it), Postgres's, and everyone else's on the machine; and the cores' busy share.
 */
function cpuDelta(a: CpuSnapshot, b: CpuSnapshot, seconds: number): Record<string, number> {
  const workers = b.workers - a.workers;
  const sims = b.sims - a.sims;
  const bench = b.bench - a.bench;
  const postgres = b.postgres - a.postgres;
  const busy = b.machineBusy - a.machineBusy;
  return {
    workers: round(workers, 1),
    simulators: round(sims, 1),
    benchProcess: round(bench, 1),
    postgres: round(postgres, 1),
    others: round(Math.max(0, busy - workers - sims - bench - postgres), 1),
    machineBusyShare: round(busy / Math.max(1e-9, b.machineTotal - a.machineTotal), 3),
    workersCores: round(workers / seconds, 2),
  };
}

/**
 * Per tenant, how its time went: the worker pids that ran its batches, the batches' total
 * time, and the idle time before the first batch (enqueue, plan), between batches (one
 * job ends, the next starts) and after the last (the finish job).
 */
function batchSummary(
  rows: readonly BatchRow[],
  runs: readonly { tenant: string; started: number; finished: number }[],
  enqueuedAt: number,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const run of runs) {
    const own = rows.filter((r) => r.tenant === run.tenant).sort((x, y) => x.started - y.started);
    if (own.length === 0) continue;
    let between = 0;
    let longestGap = 0;
    for (let i = 1; i < own.length; i++) {
      const gap = (own[i] as BatchRow).started - (own[i - 1] as BatchRow).finished;
      between += gap;
      longestGap = Math.max(longestGap, gap);
    }
    const durations = own.map((r) => (r.finished - r.started) / 1000);
    out[run.tenant] = {
      batches: own.length,
      pids: [...new Set(own.map((r) => r.pid))],
      batchSeconds: round(
        durations.reduce((a, b) => a + b, 0),
        2,
      ),
      shortestBatch: round(Math.min(...durations), 2),
      longestBatch: round(Math.max(...durations), 2),
      beforeFirstSeconds: round(((own[0] as BatchRow).started - enqueuedAt) / 1000, 2),
      runOpenedAfterSeconds: round((run.started - enqueuedAt) / 1000, 2),
      betweenSeconds: round(between / 1000, 2),
      longestGapSeconds: round(longestGap / 1000, 2),
      afterLastSeconds: round((run.finished - (own.at(-1) as BatchRow).finished) / 1000, 2),
      attempts: own.filter((r) => r.attempt > 1).length,
    };
  }
  return out;
}

/**
 * Where the ceiling run's time went against the tenant's floor, by the simulator's clock
 * of arrival: the enqueue command and the plan job before the batches, each batch (its
 * requests in the bound budget, the seconds those need at its rate, the seconds it took),
 * the time between batches, and the finish after the last.
 */
function ceilingBreakdown(
  entries: readonly RequestLogEntry[],
  run: WorkersRun,
  floor: Floor,
): Record<string, unknown> {
  const bound = floor.dimensions[floor.bound];
  const counted = entries.filter((e) => !e.throttled && e.status !== 429);
  const arrivals = counted.map((e) => Date.parse(e.at)).sort((a, b) => a - b);
  const first = arrivals[0] ?? run.enqueuedAt;
  const windows = [...run.batchWindows].sort((a, b) => a.started - b.started);
  const inBound = (e: RequestLogEntry): boolean =>
    dimensionsOf(e.routeKind, {
      userId: e.userId ?? undefined,
      chatId: e.chatId ?? undefined,
    }).some((d) => d.key === bound?.key);
  const batches = windows.map((w) => {
    const requests = counted.filter((e) => {
      const at = Date.parse(e.at);
      return at >= w.started && at <= w.finished && inBound(e);
    }).length;
    const seconds = (w.finished - w.started) / 1000;
    const floorSeconds = bound ? requests / bound.perSecond : 0;
    return {
      batch: w.batch,
      pid: w.pid,
      seconds: round(seconds, 2),
      requests,
      floorSeconds: round(floorSeconds, 2),
      efficiency: round(floorSeconds / Math.max(1e-9, seconds), 3),
    };
  });
  let between = 0;
  for (let i = 1; i < windows.length; i++)
    between += (windows[i] as BatchRow).started - (windows[i - 1] as BatchRow).finished;
  return {
    enqueueToFirstRequestSeconds: round((first - run.enqueuedAt) / 1000, 2),
    firstRequestToFirstBatchSeconds: round(((windows[0]?.started ?? first) - first) / 1000, 2),
    batchSeconds: round(
      batches.reduce((a, b) => a + b.seconds, 0),
      2,
    ),
    batchFloorSeconds: round(
      batches.reduce((a, b) => a + b.floorSeconds, 0),
      2,
    ),
    betweenBatchesSeconds: round(between / 1000, 2),
    lastBatchToFinishedSeconds: round(
      (run.finishedAt - (windows.at(-1)?.finished ?? run.finishedAt)) / 1000,
      2,
    ),
    batches,
  };
}

/** The longest stretches without an arrival at the simulator (where pacing was lost). */
function idleStretches(arrivals: readonly number[]): { atSeconds: number; seconds: number }[] {
  const sorted = [...arrivals].sort((a, b) => a - b);
  const first = sorted[0] ?? 0;
  const gaps: { atSeconds: number; seconds: number }[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const gap = (sorted[i] as number) - (sorted[i - 1] as number);
    if (gap >= 250)
      gaps.push({
        atSeconds: round(((sorted[i - 1] as number) - first) / 1000, 2),
        seconds: round(gap / 1000, 2),
      });
  }
  return gaps.sort((a, b) => b.seconds - a.seconds).slice(0, 20);
}

/** Last - first arrival at the simulator, in seconds. */
function arrivalSpanSeconds(entries: readonly RequestLogEntry[]): number {
  let first = Infinity;
  let last = -Infinity;
  for (const e of entries) {
    first = Math.min(first, e.arrivedAtMs);
    last = Math.max(last, e.arrivedAtMs);
  }
  return (last - first) / 1000;
}

function assertAlive(workers: readonly Running[]): void {
  for (const w of workers) {
    if (w.child.exitCode !== null || w.child.signalCode !== null) {
      throw new Error(
        `worker ${w.pid} exited (${w.child.exitCode ?? w.child.signalCode}; its log in ` +
          `${w.logFile ?? "-"}):\n${w.tail()}`,
      );
    }
  }
}

async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function secondsSince(fromMs: number): number {
  return round((performance.now() - fromMs) / 1000, 2);
}
