import os from "node:os";
import { Command } from "commander";
import {
  readStatus,
  readStatusOverview,
  type FailingUser,
  type RunRow,
  type StatusOverview,
} from "../../load/index.ts";
import { readTenantStatus, type TenantRun, type TenantStatus } from "../../load/tenant-status.ts";
import { WORKER_SCHEMA } from "../../queue/add-job.ts";
import { TENANT_QUEUE_PREFIX } from "../../queue/names.ts";
import { createApp, withWarehouse } from "../app.ts";
import { jsonOption, positiveInt } from "../flags.ts";

interface Flags {
  json?: boolean;
  runs?: number;
  all?: boolean;
}

/** Failing and stalest users shown by default: with the summary and runs, about a screenful. */
const DETAIL_USERS = 10;
/** A failure's error, cut to keep one user on one line (--json has it whole). */
const ERROR_CHARS = 160;

export function statusCommand(): Command {
  return new Command("status")
    .description(
      "a summary (users synced and failing, stalest user, last run), then the failing and stalest users and recent runs",
    )
    .addOption(jsonOption("print the status as one JSON object (every user, every field)"))
    .option("--runs <n>", "how many recent runs to show (default 10)", positiveInt)
    .option(
      "--all",
      `list every failing user and every user's watermark (default: ${DETAIL_USERS} each)`,
    )
    .action(async (flags: Flags) => {
      const app = createApp();
      await withWarehouse(app, { migrate: true }, async ({ db, target }) => {
        const runs = flags.runs ?? 10;
        const tenants = await readTenantStatus(db, TENANT_QUEUE_PREFIX, WORKER_SCHEMA);
        if (flags.json) {
          const status = await readStatus(db, { runs });
          const inProgress = status.inProgress.map(withAlive);
          console.log(
            JSON.stringify({ database: target.description, ...status, inProgress, tenants }),
          );
        } else {
          const overview = await readStatusOverview(
            db,
            flags.all ? { runs } : { runs, users: DETAIL_USERS },
          );
          console.log(formatStatus(overview, target.description));
          const lines = formatTenants(tenants);
          if (lines.length > 0) console.log(["", ...lines].join("\n"));
        }
      });
    });
}

function withAlive(run: RunRow): RunRow & { alive: boolean | null } {
  return { ...run, alive: isAlive(run.pid, run.host) };
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

/** The summary first, then at most DETAIL_USERS failing and stalest users (unless --all). */
function formatStatus(status: StatusOverview, database: string): string {
  const { summary } = status;
  const count = (n: number) => n.toLocaleString("en-US");
  const lines = [`warehouse: ${database}`];
  lines.push(
    `users: ${count(summary.users_known)} known, ${count(summary.users_synced)} synced, ` +
      `${count(summary.users_failing)} failing` +
      (summary.users_never_synced > 0
        ? ` (${count(summary.users_never_synced)} never synced)`
        : ""),
  );
  const stalest = summary.stalest;
  lines.push(
    stalest === null
      ? "stalest: no user synced yet"
      : `stalest: user ${stalest.user_id}, ` +
          (stalest.last_synced_at === null || summary.lag_seconds === null
            ? "no successful sync recorded"
            : `last synced ${iso(stalest.last_synced_at)}, ${age(summary.lag_seconds)} behind now`) +
          ` (watermark ${stalest.watermark_raw ?? "-"})`,
  );
  lines.push(summary.last_run ? `last run: ${runLine(summary.last_run)}` : "last run: none yet");
  if (status.inProgress.length === 0) lines.push("in progress: none");
  for (const run of status.inProgress.map(withAlive)) {
    const state =
      run.alive === false ? "its process is gone (crashed; the next run converges)" : "running";
    lines.push(
      `in progress: #${run.run_id} (${run.trigger}) started ${iso(run.started_at)} on ${run.host ?? "?"} pid ${run.pid ?? "?"}: ${state}`,
    );
  }

  if (summary.users_failing > 0) {
    lines.push("", `failing users (${count(summary.users_failing)}, longest failing first):`);
    for (const user of status.failingUsers) lines.push(`  ${failingLine(user)}`);
    lines.push(...more(summary.users_failing - status.failingUsers.length));
  }

  lines.push("", `stalest users (${count(summary.users_with_watermark)}, stalest first):`);
  if (status.stalestUsers.length === 0) lines.push("  none yet: run `teams-chat-sync sync`");
  for (const w of status.stalestUsers) {
    const lag =
      w.last_synced_age_seconds === null
        ? "never synced"
        : `synced ${age(w.last_synced_age_seconds)} ago`;
    lines.push(`  ${w.user_id} ${w.watermark_raw ?? "-"} ${lag}`);
  }
  lines.push(...more(summary.users_with_watermark - status.stalestUsers.length));

  lines.push("", "recent runs:");
  if (status.runs.length === 0) lines.push("  none yet: run `teams-chat-sync sync`");
  for (const run of status.runs) lines.push(`  ${runLine(run)}`);
  return lines.join("\n");
}

function runLine(run: RunRow): string {
  return (
    `#${run.run_id} ${run.trigger.padEnd(8)} ${run.status.padEnd(9)} ${iso(run.started_at)} ` +
    `${run.duration_seconds.toFixed(1)}s users ${run.users_succeeded}/${run.users_total} ` +
    `failed ${run.users_failed} chats ${run.chats_seen} rows ${run.rows_written} ` +
    `requests ${run.requests} 429s ${run.throttled}${run.error ? ` error: ${run.error}` : ""}`
  );
}

function failingLine(user: FailingUser): string {
  const since =
    user.failing_since === null || user.failing_seconds === null
      ? ""
      : ` since ${iso(user.failing_since)} (${age(user.failing_seconds)}, ${user.failed_runs} run${user.failed_runs === 1 ? "" : "s"})`;
  const synced =
    user.last_synced_at === null ? "never synced" : `last synced ${iso(user.last_synced_at)}`;
  const where = [user.stream, user.http_status].filter((x) => x !== null).join(" ");
  const error = (user.last_error ?? "").replace(/\s+/g, " ").trim();
  const cut = error.length > ERROR_CHARS ? `${error.slice(0, ERROR_CHARS - 1)}…` : error;
  return `${user.user_id} failing${since}, ${synced}: ${where ? `${where} ` : ""}${cut}`;
}

function more(hidden: number): string[] {
  return hidden > 0
    ? [`  … and ${hidden.toLocaleString("en-US")} more; --all shows every user`]
    : [];
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

/**
 * Per tenant, when there is more than the environment's tenant or any job: the run in
 * progress with its batches, the tenant's jobs (waiting, running, failed with their
 * error), the last finished run.
 */
function formatTenants(tenants: readonly TenantStatus[]): string[] {
  const queued = tenants.some(
    (t) =>
      t.jobs.pending + t.jobs.running + t.jobs.failed > 0 ||
      t.last_finished?.executor === "workers",
  );
  if (tenants.length <= 1 && !queued) return [];
  const lines = [`tenants (${tenants.length}):`];
  for (const t of tenants) {
    const run = t.in_progress;
    const progress = !run
      ? "no run in progress"
      : run.executor === "workers"
        ? `run #${run.run_id} (${run.trigger}) in progress since ${iso(run.started_at)}: ` +
          (run.jobs_total === null
            ? "listing its users"
            : `${run.jobs_done} of ${run.jobs_total} batches done` +
              (run.jobs_failed > 0 ? `, ${run.jobs_failed} given up` : ""))
        : `run #${run.run_id} (${run.trigger}) in progress since ${iso(run.started_at)} in one process`;
    lines.push(
      `  ${t.tenant}: ${progress}; jobs ${t.jobs.pending} pending, ${t.jobs.running} running, ${t.jobs.failed} failed`,
    );
    for (const job of t.jobs.failed_jobs) {
      const error = (job.last_error ?? "").replace(/\s+/g, " ").trim();
      const cut = error.length > ERROR_CHARS ? `${error.slice(0, ERROR_CHARS - 1)}…` : error;
      lines.push(
        `    failed job ${job.id} ${job.task} after ${job.attempts} attempts (${iso(job.failed_at)}): ${cut}`,
      );
    }
    lines.push(
      `    last finished: ${t.last_finished ? tenantRunLine(t.last_finished) : "none yet"}`,
    );
  }
  return lines;
}

function tenantRunLine(run: TenantRun): string {
  return (
    `#${run.run_id} ${run.trigger} ${run.status} ${iso(run.started_at)}` +
    `${run.finished_at ? ` to ${iso(run.finished_at)}` : ""} users ${run.users_succeeded}/${run.users_total} ` +
    `failed ${run.users_failed}${run.executor === "workers" ? " (workers)" : ""}${run.error ? ` error: ${run.error}` : ""}`
  );
}
