/**
 * The loader alone, for copy_ratio. Phase 1 runs the whole sync (extract and normalize
 * against the simulator, same concurrency and options as `sync`) with a warehouse that
 * records every load it is handed instead of writing it: its wall time is the extraction
 * floor (what the run costs with no database at all). Phase 2, timed, replays those loads
 * through the real loader (pgWarehouse: the shared rows of each page, then each user's
 * viewpoints, removals and watermarks) into a fresh, migrated database with the sync's
 * concurrency. That is the time the pipeline spends loading the tenant, the figure to
 * compare with a raw COPY of the same final rows. Prints a LoadReplayResult last.
 *
 *   BENCH_GRAPH_TOKEN=… node --import tsx bench/load-replay-child.ts --graph-url URL \
 *     --database-url URL
 */
import pLimit from "p-limit";
import { recordSync, replayChildArgs } from "./child-process.ts";
import { databaseOptions } from "../src/cli/app.ts";
import { openDatabase } from "../src/load/index.ts";
import { dryRunWarehouse } from "../src/sync/dry-run-warehouse.ts";
import { pgWarehouse } from "../src/sync/pg-warehouse.ts";
import { NO_WRITES, type ChatBatch, type UserRows } from "../src/load/index.ts";
import { STREAMS } from "../src/sync/ports.ts";
import type { Warehouse } from "../src/sync/warehouse.ts";

// Not the binary's memory policy (src/memory-policy.ts): this process holds the whole
// recorded tenant, hundreds of MB the pipeline never holds, and a heap allowed to grow only
// 20% past that would mark all of it at every few MB of the loader's garbage (measured:
// 14.9 s and 8.3 s of loader CPU with the policy, 11.8-12.4 s and 6.2 s without).

export interface LoadReplayResult {
  readonly extractSeconds: number;
  readonly loadSeconds: number;
  /** Of which: the shared rows of the claimed chats, then the users' own transactions. */
  readonly chatLoadSeconds: number;
  readonly userLoadSeconds: number;
  /** CPU time this process (the loader's JavaScript: serializing rows) spent in the replay. */
  readonly loadCpuSeconds: number;
  readonly chatLoads: number;
  readonly userLoads: number;
  readonly rowsWritten: number;
}

const { graphUrl, databaseUrl, token } = replayChildArgs("load-replay-child.ts");

const chatLoads: ChatBatch[] = [];
const userLoads: UserRows[] = [];
let nextRun = 1;
const recorder: Warehouse = {
  ...dryRunWarehouse(),
  startRun: () => Promise.resolve(nextRun++),
  loadChats(load) {
    chatLoads.push(load);
    return Promise.resolve(NO_WRITES);
  },
  loadUser(load) {
    userLoads.push(load);
    return Promise.resolve(NO_WRITES);
  },
};

const { app, summary, extractSeconds } = await recordSync(
  { graphUrl, databaseUrl, token },
  recorder,
);

// The pool the sync's configuration derives, so the replay loads as many users at once.
const { db, close } = openDatabase(databaseUrl, databaseOptions(app.config));
const warehouse = pgWarehouse(db);
let rowsWritten = 0;
let chatLoadSeconds = 0;
let userLoadSeconds = 0;
const loadStarted = performance.now();
const cpuAtStart = process.cpuUsage();
try {
  const runId = await warehouse.startRun({ trigger: "manual", streams: [...STREAMS], options: {} });
  const limit = pLimit(app.config.sync.concurrency);
  const count = (w: { inserted: number; updated: number; removed: number }) =>
    (rowsWritten += w.inserted + w.updated + w.removed);
  // Shared rows first (in the sync, every user's commit waits for those of its chats).
  const chatsStarted = performance.now();
  await Promise.all(
    chatLoads.map((load) =>
      limit(async () => count(await warehouse.loadChats({ ...load, runId }))),
    ),
  );
  chatLoadSeconds = (performance.now() - chatsStarted) / 1000;
  const usersStarted = performance.now();
  await Promise.all(
    userLoads.map((load) => limit(async () => count(await warehouse.loadUser({ ...load, runId })))),
  );
  userLoadSeconds = (performance.now() - usersStarted) / 1000;
  await warehouse.finishRun(
    runId,
    "succeeded",
    {
      usersTotal: userLoads.length,
      usersSucceeded: userLoads.length,
      usersFailed: 0,
      chatsSeen: summary.chats,
      requests: 0,
      throttled: 0,
      rowsWritten,
      rejects: 0,
    },
    null,
  );
} finally {
  await close();
}
const loadSeconds = (performance.now() - loadStarted) / 1000;
const cpu = process.cpuUsage(cpuAtStart);
const loadCpuSeconds = (cpu.user + cpu.system) / 1e6;
const result: LoadReplayResult = {
  extractSeconds,
  loadSeconds,
  loadCpuSeconds,
  chatLoadSeconds,
  userLoadSeconds,
  chatLoads: chatLoads.length,
  userLoads: userLoads.length,
  rowsWritten,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
