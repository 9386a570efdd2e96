/**
 * What the bench children (child-sync.ts and the replay children) share: their common
 * arguments and their peak memory. Kept apart from support.ts, which starts Postgres and
 * the simulator, so a child imports only what it runs.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { createApp, createExtractor, type App } from "../src/cli/app.ts";
import type { SyncConfig } from "../src/config/config.ts";
import { graphSource } from "../src/sync/graph-source.ts";
import { defaultSyncOptions } from "../src/sync/options.ts";
import type { Stream } from "../src/sync/ports.ts";
import { runSync, type RunSummary } from "../src/sync/run-sync.ts";
import type { Warehouse } from "../src/sync/warehouse.ts";

export interface ReplayChildArgs {
  readonly graphUrl: string;
  readonly databaseUrl: string;
  readonly token: string;
}

/** `--graph-url URL --database-url URL` and BENCH_GRAPH_TOKEN, or a usage line and exit 2. */
export function replayChildArgs(file: string): ReplayChildArgs {
  const { values } = parseArgs({
    options: { "graph-url": { type: "string" }, "database-url": { type: "string" } },
  });
  const graphUrl = values["graph-url"];
  const databaseUrl = values["database-url"];
  const token = process.env.BENCH_GRAPH_TOKEN;
  if (!graphUrl || !databaseUrl || !token) {
    console.error(`usage: BENCH_GRAPH_TOKEN=… ${file} --graph-url URL --database-url URL`);
    process.exit(2);
  }
  return { graphUrl, databaseUrl, token };
}

/** This process's peak resident set (VmHWM), in kB; null where /proc has none. */
export function vmHwmKb(): number | null {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/**
 * The replay children's first half: a sync of the simulator's tenant, unthrottled, whose
 * loads go to `recorder` instead of Postgres. Returns the app it ran with (its
 * configuration sizes the replay's pool), its summary and its seconds; exits 1 if it failed.
 */
export async function recordSync(
  args: ReplayChildArgs,
  recorder: Warehouse,
  streams?: ReadonlySet<Stream>,
): Promise<{
  readonly app: App<SyncConfig>;
  readonly summary: RunSummary;
  readonly extractSeconds: number;
}> {
  const app = createApp({
    quiet: true,
    env: { ...process.env, GRAPH_BASE_URL: args.graphUrl, GRAPH_ACCESS_TOKEN: args.token },
    flags: { rateScale: 0, sync: defaultSyncOptions(streams ? { streams } : {}) },
  });
  const extractor = createExtractor(app);
  const started = performance.now();
  const summary = await runSync(
    { graph: graphSource(extractor), warehouse: recorder, logger: app.logger },
    app.config.sync,
  );
  const extractSeconds = (performance.now() - started) / 1000;
  if (summary.status !== "succeeded") {
    console.error(`the recording sync ended ${summary.status}: ${summary.fatal ?? ""}`);
    process.exit(1);
  }
  return { app, summary, extractSeconds };
}
