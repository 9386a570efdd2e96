import os from "node:os";
import { Command } from "commander";
import { readStatus, type WarehouseStatus } from "../../load/index.ts";
import { createApp, withWarehouse } from "../app.ts";
import { positiveInt } from "../sync-flags.ts";

interface Flags {
  json?: boolean;
  runs?: number;
}

export function statusCommand(): Command {
  return new Command("status")
    .description("last runs, per-user failures, watermarks and whether a run is in progress")
    .option("--json", "print the status as one JSON object")
    .option("--runs <n>", "how many recent runs to show (default 10)", positiveInt)
    .action(async (flags: Flags) => {
      const app = createApp();
      await withWarehouse(app, { migrate: true }, async ({ db, target }) => {
        const status = await readStatus(db, { runs: flags.runs ?? 10 });
        const inProgress = status.inProgress.map((run) => ({
          ...run,
          alive: isAlive(run.pid, run.host),
        }));
        if (flags.json) {
          console.log(JSON.stringify({ database: target.description, ...status, inProgress }));
        } else {
          console.log(formatStatus({ ...status, inProgress }, target.description));
        }
      });
    });
}

/** Whether a run recorded as running still has its process (only knowable on its own host). */
function isAlive(pid: number | null, host: string | null): boolean | null {
  if (pid === null || host !== os.hostname()) return null;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

type Status = Omit<WarehouseStatus, "inProgress"> & {
  inProgress: (WarehouseStatus["inProgress"][number] & { alive: boolean | null })[];
};

function formatStatus(status: Status, database: string): string {
  const lines = [`warehouse: ${database}`];
  if (status.inProgress.length === 0) lines.push("no run in progress");
  for (const run of status.inProgress) {
    const state =
      run.alive === false ? "its process is gone (crashed; the next run converges)" : "running";
    lines.push(
      `run ${run.run_id} (${run.trigger}) started ${iso(run.started_at)} on ${run.host ?? "?"} pid ${run.pid ?? "?"}: ${state}`,
    );
  }
  lines.push("", "recent runs:");
  if (status.runs.length === 0) lines.push("  none yet: run `teams-chat-sync sync`");
  for (const run of status.runs) {
    lines.push(
      `  #${run.run_id} ${run.trigger.padEnd(8)} ${run.status.padEnd(9)} ${iso(run.started_at)} ` +
        `${run.duration_seconds.toFixed(1)}s users ${run.users_succeeded}/${run.users_total} ` +
        `failed ${run.users_failed} chats ${run.chats_seen} rows ${run.rows_written} ` +
        `requests ${run.requests} 429s ${run.throttled}${run.error ? ` error: ${run.error}` : ""}`,
    );
  }
  if (status.lastRunFailures.length > 0) {
    lines.push("", `failures of run #${status.lastRunFailures[0]?.run_id}:`);
    for (const f of status.lastRunFailures) {
      lines.push(`  user ${f.user_id ?? "-"} ${f.stream ?? ""} ${f.http_status ?? ""} ${f.error}`);
    }
  }
  const chats = status.watermarks.filter((w) => w.stream === "chats");
  lines.push("", `watermarks (${chats.length} users, stalest first):`);
  for (const w of chats.slice(0, 50)) {
    const lag =
      w.last_synced_age_seconds === null
        ? "never synced"
        : `synced ${age(w.last_synced_age_seconds)} ago`;
    lines.push(`  ${w.user_id} ${w.watermark_raw ?? "-"} ${lag}`);
  }
  if (chats.length > 50) lines.push(`  ... ${chats.length - 50} more (--json for all)`);
  return lines.join("\n");
}

function iso(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, "Z");
}

function age(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86400)}d`;
}
