/**
 * The messages loader alone, for messages_copy_ratio (as bench/load-replay-child.ts does
 * for the chats). Phase 1 runs a whole messages backfill (every stream, against the
 * simulator, same options as `sync --streams …,messages`) with a warehouse that records
 * every page of messages it is handed instead of writing it: its wall time is the
 * extraction floor. Phase 2, timed, replays those pages through the real loader
 * (pgWarehouse.loadMessages: messages, their mentions, reactions and attachments, the
 * cursors) into a fresh, migrated database, as many at once as the sync loads them. That
 * is the time the pipeline spends loading the messages, the figure to compare with a raw
 * COPY of the same final rows. Prints a MessagesReplayResult last.
 *
 *   BENCH_GRAPH_TOKEN=… node --import tsx bench/messages-replay-child.ts --graph-url URL \
 *     --database-url URL
 */
import pLimit from "p-limit";
import { recordSync, replayChildArgs, vmHwmKb } from "./child-process.ts";
import { databaseOptions } from "../src/cli/app.ts";
import { NO_WRITES, openDatabase, type MessagePage } from "../src/load/index.ts";
import { dryRunWarehouse } from "../src/sync/dry-run-warehouse.ts";
import { pgWarehouse } from "../src/sync/pg-warehouse.ts";
import { STREAMS } from "../src/sync/ports.ts";
import type { Warehouse } from "../src/sync/warehouse.ts";

/**
 * Pages loaded at once: as many as the sync's chat-history reads in flight (CHAT_READS in
 * src/sync/messages/messages-run.ts), each of which commits a page while it reads the next.
 */
const LOADS_AT_ONCE = 32;

export interface MessagesReplayResult {
  readonly extractSeconds: number;
  readonly loadSeconds: number;
  /** CPU time this process (the loader's JavaScript: serializing rows) spent in the replay. */
  readonly loadCpuSeconds: number;
  readonly pages: number;
  readonly messages: number;
  readonly rowsWritten: number;
  /** VmHWM at exit (the recorded tenant is held in memory), in kB. */
  readonly vmHwmKb: number | null;
}

const { graphUrl, databaseUrl, token } = replayChildArgs("messages-replay-child.ts");

const pages: MessagePage[] = [];
let nextRun = 1;
const recorder: Warehouse = {
  ...dryRunWarehouse(),
  startRun: () => Promise.resolve(nextRun++),
  loadMessages(page) {
    pages.push(page);
    return Promise.resolve(NO_WRITES);
  },
};

const { app, extractSeconds } = await recordSync(
  { graphUrl, databaseUrl, token },
  recorder,
  new Set(STREAMS),
);

const { db, close } = openDatabase(databaseUrl, databaseOptions(app.config));
const warehouse = pgWarehouse(db);
let rowsWritten = 0;
const loadStarted = performance.now();
const cpuAtStart = process.cpuUsage();
try {
  const runId = await warehouse.startRun({ trigger: "manual", streams: [...STREAMS], options: {} });
  const limit = pLimit(LOADS_AT_ONCE);
  await Promise.all(
    pages.map((page) =>
      limit(async () => {
        const w = await warehouse.loadMessages({ ...page, runId });
        rowsWritten += w.inserted + w.updated + w.removed;
      }),
    ),
  );
  await warehouse.finishRun(
    runId,
    "succeeded",
    {
      usersTotal: 0,
      usersSucceeded: 0,
      usersFailed: 0,
      chatsSeen: 0,
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
const result: MessagesReplayResult = {
  extractSeconds,
  loadSeconds,
  loadCpuSeconds: (cpu.user + cpu.system) / 1e6,
  pages: pages.length,
  messages: pages.reduce((n, p) => n + p.messages.length, 0),
  rowsWritten,
  vmHwmKb: vmHwmKb(),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
