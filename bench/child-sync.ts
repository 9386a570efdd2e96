/**
 * One sync in its own process, wired like `teams-chat-sync sync` (its configuration, flags
 * parsed by the same parsers, the pool that configuration derives), so its wall time and peak RSS are the pipeline's alone: the simulator
 * and Postgres run elsewhere. Prints a ChildSyncResult as its last stdout line.
 *
 *   BENCH_GRAPH_TOKEN=… node --import tsx bench/child-sync.ts --graph-url URL \
 *     --database-url URL --rate-scale 10 [--users id,id] [--concurrency n] \
 *     [--streams chats,members,…,messages]
 */
import { parseArgs } from "node:util";
import { createApp, createExtractor, databaseOptions } from "../src/cli/app.ts";
import { parseRateScale, positiveInt } from "../src/cli/flags.ts";
import { openDatabase } from "../src/load/index.ts";
import { applyMemoryPolicy } from "../src/memory-policy.ts";
import { graphSource } from "../src/sync/graph-source.ts";
import { DEFAULT_CONCURRENCY, defaultSyncOptions } from "../src/sync/options.ts";
import { DEFAULT_STREAMS, STREAMS, type Stream } from "../src/sync/ports.ts";
import { pgWarehouse } from "../src/sync/pg-warehouse.ts";
import { runSync } from "../src/sync/run-sync.ts";
import { vmHwmKb } from "./child-process.ts";
import type { ChildSyncResult } from "./support.ts";

// As the binary runs (src/cli.ts).
applyMemoryPolicy();

const { values } = parseArgs({
  options: {
    "graph-url": { type: "string" },
    "database-url": { type: "string" },
    "rate-scale": { type: "string", default: "1" },
    users: { type: "string" },
    concurrency: { type: "string" },
    streams: { type: "string" },
  },
});
const graphUrl = values["graph-url"];
const databaseUrl = values["database-url"];
const token = process.env.BENCH_GRAPH_TOKEN;
if (!graphUrl || !databaseUrl || !token) {
  console.error("usage: BENCH_GRAPH_TOKEN=… child-sync.ts --graph-url URL --database-url URL");
  process.exit(2);
}

const app = createApp({
  quiet: true,
  env: { ...process.env, GRAPH_BASE_URL: graphUrl, GRAPH_ACCESS_TOKEN: token },
  flags: {
    rateScale: parseRateScale(values["rate-scale"]),
    sync: defaultSyncOptions({
      users: values.users ? { kind: "list", ids: values.users.split(",") } : { kind: "all" },
      concurrency: values.concurrency ? positiveInt(values.concurrency) : DEFAULT_CONCURRENCY,
      streams: new Set(values.streams ? streamList(values.streams) : DEFAULT_STREAMS),
    }),
  },
});
const extractor = createExtractor(app);
const { db, close } = openDatabase(databaseUrl, databaseOptions(app.config));
const started = performance.now();
const summary = await (async () => {
  try {
    return await runSync(
      { graph: graphSource(extractor), warehouse: pgWarehouse(db), logger: app.logger },
      app.config.sync,
    );
  } finally {
    await close();
  }
})();
const syncSeconds = (performance.now() - started) / 1000;

const result: ChildSyncResult = {
  syncSeconds,
  status: summary.status,
  usersTotal: summary.users.total,
  usersFailed: summary.users.failed,
  chats: summary.chats,
  members: summary.members,
  messages: summary.messages,
  requests: summary.requests,
  throttled: summary.throttled,
  retries: summary.retries,
  rowsWritten: summary.rowsWritten,
  fatal: summary.fatal,
  cpuSeconds: cpuSeconds(),
  maxRssKb: process.resourceUsage().maxRSS,
  vmHwmKb: vmHwmKb(),
};
process.stdout.write(`${JSON.stringify(result)}\n`);

function streamList(names: string): Stream[] {
  const list = names.split(",").filter(Boolean);
  const unknown = list.filter((name) => !(STREAMS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    console.error(`unknown stream ${unknown.join(", ")}; streams are ${STREAMS.join(", ")}`);
    process.exit(2);
  }
  return list as Stream[];
}

/** This process's CPU time (user + system) since it started, in seconds. */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}
