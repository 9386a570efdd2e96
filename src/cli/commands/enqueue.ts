import { Command, InvalidArgumentError, type OptionValues } from "commander";
import { DEFAULT_TENANT } from "../../config/tenants.ts";
import type { SyncOptions } from "../../sync/options.ts";
import { enqueueRuns, type EnqueueOutcome } from "../../queue/enqueue.ts";
import {
  DEFAULT_BATCH_USERS,
  DEFAULT_MAX_ATTEMPTS,
  runRequest,
  type RunRequest,
} from "../../queue/payloads.ts";
import { createApp, withWarehouse, type App } from "../app.ts";
import { positiveInt } from "../flags.ts";
import { addSyncFlags, syncOptionsFromFlags, type SyncFlagValues } from "../sync-flags.ts";
import { addTenantFlags, tenantsOf, type TenantFlagValues } from "../tenant-flags.ts";

export interface WorkFlagValues extends TenantFlagValues {
  all?: boolean;
  batchUsers?: number;
  maxAttempts?: number;
}

interface Flags extends SyncFlagValues, WorkFlagValues {
  backfill?: boolean;
}

/** `--all`, `--batch-users` and `--max-attempts`: how runs are queued (enqueue, schedule --workers). */
export function addWorkFlags(command: Command): Command {
  return command
    .option("--all", "every tenant: the environment's and those of --tenants-file")
    .option(
      "--batch-users <n>",
      `users per job (default ${DEFAULT_BATCH_USERS}): a job is what is retried after a failure`,
      positiveInt,
    )
    .option(
      "--max-attempts <n>",
      `attempts of each job before it is given up (default ${DEFAULT_MAX_ATTEMPTS}; graphile-worker waits e^attempt seconds between them)`,
      positiveInt,
    );
}

/**
 * Queues a run of one tenant or of all, for the workers (`teams-chat-sync worker`) to
 * run. It needs the warehouse only, not Graph: the tenants file is checked without its
 * secrets, which only the workers hold.
 */
export function enqueueCommand(): Command {
  const command = new Command("enqueue").description(
    "queue a sync of a tenant (--tenant) or of every tenant (--all) for the workers",
  );
  addSyncFlags(command).option("--backfill", "a full resync ignoring watermarks");
  addTenantFlags(command, "the tenant to queue (default: the environment's, named default)");
  addWorkFlags(command);
  return command.action(async (flags: Flags) => {
    refuseInProcessFlags(flags);
    const sync = await syncOptionsFromFlags(flags, flags.backfill ? "backfill" : "manual");
    const app = createApp({ flags: { sync } });
    const requests = workRequests(app, flags, app.config.sync);
    const outcomes = await withWarehouse(app, { migrate: true }, ({ db, target }) =>
      enqueueRuns(db, target.url, requests),
    );
    if (flags.json) console.log(JSON.stringify({ outcomes }));
    else for (const outcome of outcomes) console.log(describeOutcome(outcome));
  });
}

/** The run requests of `--tenant` or `--all`, with the sync options and the work flags. */
export function workRequests(app: App, flags: WorkFlagValues, sync: SyncOptions): RunRequest[] {
  if (flags.all && flags.tenant !== undefined) {
    throw new InvalidArgumentError("give --tenant or --all, not both");
  }
  const tenants = tenantsOf(app, flags, { secrets: false });
  const names = flags.all ? tenants.map((t) => t.name) : [flags.tenant ?? DEFAULT_TENANT];
  for (const name of names) {
    if (!tenants.some((t) => t.name === name)) {
      const known = tenants.map((t) => t.name).join(", ") || "none";
      throw new InvalidArgumentError(`unknown tenant "${name}" (known: ${known})`);
    }
  }
  const work = {
    batchUsers: flags.batchUsers ?? DEFAULT_BATCH_USERS,
    maxAttempts: flags.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
  };
  return names.map((name) => runRequest(name, sync, work));
}

export function describeOutcome(outcome: EnqueueOutcome): string {
  return outcome.queued
    ? `tenant ${outcome.tenant}: queued (job ${outcome.jobId})`
    : `tenant ${outcome.tenant}: not queued, ${outcome.reason}`;
}

/** What only a run in one process does. */
function refuseInProcessFlags(flags: OptionValues): void {
  for (const [flag, name] of [
    ["dryRun", "--dry-run"],
    ["chats", "--chats"],
    ["rateScale", "--rate-scale"],
  ] as const) {
    if (flags[flag] !== undefined) {
      throw new InvalidArgumentError(
        `${name} is not for queued runs (use sync${flag === "rateScale" ? ", or give it to the workers" : ""})`,
      );
    }
  }
}
