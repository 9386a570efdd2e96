import { Command, InvalidArgumentError } from "commander";
import { ConfigError } from "../../errors.ts";
import { defaultSyncOptions, DEFAULT_CONCURRENCY } from "../../sync/options.ts";
import { graphSource } from "../../sync/graph-source.ts";
import { DEFAULT_JOB_BUDGET_MS } from "../../queue/job-budget.ts";
import { runWorkers } from "../../queue/run-workers.ts";
import type { WorkContext } from "../../queue/work-context.ts";
import { createApp, createExtractor, withWarehouse } from "../app.ts";
import { positiveInt, rateScaleOption } from "../flags.ts";
import { abortOnSignals } from "../signals.ts";
import { addTenantFlags, tenantsOf, type TenantFlagValues } from "../tenant-flags.ts";

interface Flags extends TenantFlagValues {
  concurrency?: number;
  deadAfter?: number;
  jobMinutes?: number;
  rateScale?: number;
}

export const DEFAULT_WORKER_CONCURRENCY = 2;
export const DEFAULT_DEAD_AFTER_SECONDS = 60;

/**
 * Long-running: a graphile-worker runner against the warehouse's database (DATABASE_URL
 * or the embedded Postgres), running the sync jobs `enqueue` and `schedule --workers`
 * queue, for every tenant it has credentials for. Run one on each machine; SIGTERM lets
 * the jobs in flight stop at their next user and exit.
 */
export function workerCommand(): Command {
  const command = new Command("worker")
    .description("long-running: runs the sync jobs queued by enqueue and schedule --workers")
    .option(
      "--concurrency <n>",
      `jobs run at once by this process (default ${DEFAULT_WORKER_CONCURRENCY}; a tenant's jobs run one at a time across all workers)`,
      positiveInt,
    )
    .option(
      "--dead-after <seconds>",
      `a worker silent this long is dead and its jobs run again elsewhere (default ${DEFAULT_DEAD_AFTER_SECONDS})`,
      positiveInt,
    )
    .option(
      "--job-minutes <n>",
      `a job starts no new user after this long and hands the rest to a new job (default ${DEFAULT_JOB_BUDGET_MS / 60_000}; graphile-worker takes a job back after 4 hours)`,
      jobMinutes,
    )
    .addOption(rateScaleOption("multiply Graph's documented rate limits (e.g. for the simulator)"));
  addTenantFlags(command);
  return command.action(async (flags: Flags) => {
    const concurrency = flags.concurrency ?? DEFAULT_WORKER_CONCURRENCY;
    // The warehouse pool: each job in flight syncs up to DEFAULT_CONCURRENCY users.
    const sync = defaultSyncOptions({ concurrency: concurrency * DEFAULT_CONCURRENCY });
    const app = createApp({ flags: { rateScale: flags.rateScale, sync } });
    const tenants = new Map(tenantsOf(app, flags).map((t) => [t.name, t]));
    const signal = abortOnSignals((name) =>
      app.logger.info({ signal: name }, "stopping: the jobs in flight stop at their next user"),
    );
    await withWarehouse(app, { migrate: true }, async ({ db, target }) => {
      app.logger.info(
        { database: target.description, tenants: [...tenants.keys()], concurrency },
        "worker starting",
      );
      const ctx: WorkContext = {
        db,
        databaseUrl: target.url,
        logger: app.logger,
        tenants: new Set(tenants.keys()),
        jobBudgetMs: (flags.jobMinutes ?? DEFAULT_JOB_BUDGET_MS / 60_000) * 60_000,
        graph: (name) => {
          const tenant = tenants.get(name);
          if (!tenant) {
            throw new ConfigError(
              `this worker has no credentials for tenant "${name}": give every worker the same --tenants-file and environment`,
            );
          }
          return graphSource(createExtractor(app, tenant.graph));
        },
      };
      await runWorkers({
        ctx,
        concurrency,
        deadAfterMs: (flags.deadAfter ?? DEFAULT_DEAD_AFTER_SECONDS) * 1000,
        signal,
        onRestart: () => target.ensureAvailable(),
      });
    });
  });
}

/** Job budgets stay well under graphile-worker's 4-hour lock, past which it runs a job twice. */
const MAX_JOB_MINUTES = 180;

function jobMinutes(value: string): number {
  const minutes = positiveInt(value);
  if (minutes > MAX_JOB_MINUTES) {
    throw new InvalidArgumentError(
      `at most ${MAX_JOB_MINUTES} (graphile-worker takes a job back after 4 hours)`,
    );
  }
  return minutes;
}
