/**
 * What the bench children (child-sync.ts and the replay children) share: their common
 * arguments and their peak memory. Kept apart from support.ts, which starts Postgres and
 * the simulator, so a child imports only what it runs.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

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
