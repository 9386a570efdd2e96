import { Command, InvalidArgumentError } from "commander";
import { sql } from "kysely";
import { ConfigError } from "../../errors.ts";
import { parseCronExpression, runScheduler } from "../../schedule/index.ts";
import { graphSource } from "../../sync/graph-source.ts";
import { createApp, createExtractor, withWarehouse } from "../app.ts";
import { lockedSync } from "../locked-sync.ts";
import { abortOnSignals } from "../signals.ts";
import { addSyncFlags, syncOptionsFromFlags, type SyncFlagValues } from "../sync-flags.ts";
import { addTenantFlags, chosenTenant } from "../tenant-flags.ts";
import { enqueueRuns } from "../../queue/enqueue.ts";
import { addWorkFlags, describeOutcome, workRequests, type WorkFlagValues } from "./enqueue.ts";

interface Flags extends SyncFlagValues, WorkFlagValues {
  cron: string;
  timezone?: string;
  catchUp: boolean;
  workers?: boolean;
}

export const DEFAULT_CRON = "0 2 * * *";

/**
 * Long-running: `sync` on a cron expression. One run at a time in the process and, through
 * the warehouse's run lock, across processes and machines (a tick that finds the lock held
 * is skipped and logged). A run missed while the scheduler was down is caught up once at
 * start. SIGTERM/SIGINT: the users in flight finish and commit, the lock is released, exit 0.
 */
export function scheduleCommand(): Command {
  const command = new Command("schedule")
    .description("long-running: runs `sync` on a cron expression")
    .option(
      "--cron <expr>",
      `cron expression, 5 or 6 fields (default "${DEFAULT_CRON}", nightly at 02:00)`,
      DEFAULT_CRON,
    )
    .option("--timezone <tz>", "IANA time zone of the cron expression (default: the system's)")
    .option("--no-catch-up", "do not run at start when a scheduled run was missed")
    .option(
      "--workers",
      "queue each run for the workers (teams-chat-sync worker) instead of syncing in this process",
    );
  addSyncFlags(command);
  addTenantFlags(
    command,
    "the tenant to sync (default: the environment's, named default; with --workers, every tenant unless given)",
  );
  addWorkFlags(command);
  return command.action(async (flags: Flags) => {
    try {
      parseCronExpression(flags.cron, flags.timezone);
    } catch (error) {
      if (error instanceof ConfigError) throw new InvalidArgumentError(error.message);
      throw error;
    }
    const sync = await syncOptionsFromFlags(flags, "cron");
    const app = createApp({ flags: { rateScale: flags.rateScale, sync } });
    const options = app.config.sync;
    // With --workers, this process queues runs and never calls Graph itself.
    const requests = flags.workers
      ? workRequests(app, { ...flags, all: flags.all ?? flags.tenant === undefined }, options)
      : null;
    const tenant = requests ? null : chosenTenant(app, flags);
    const graph = tenant ? graphSource(createExtractor(app, tenant.graph)) : null;
    const signal = abortOnSignals((name) =>
      app.logger.info({ signal: name }, "stopping: the run in flight finishes first"),
    );
    await withWarehouse(app, { migrate: true }, async ({ db, target }) => {
      app.logger.info({ database: target.description }, "warehouse");
      await runScheduler(
        {
          cron: flags.cron,
          ...(flags.timezone ? { timezone: flags.timezone } : {}),
          catchUp: flags.catchUp,
        },
        {
          signal,
          logger: app.logger,
          lastRunStartedAt: async () => {
            const { rows } = await sql<{ at: Date | null }>`
              select max(started_at) as at from teams.sync_runs where trigger in ('cron', 'manual')`.execute(
              db,
            );
            return rows[0]?.at ?? null;
          },
          runOnce: async () => {
            // The embedded server may have gone away since the last tick (killed, OOM,
            // a reboot of its host); it is started again rather than failing every tick.
            await target.ensureAvailable();
            if (requests) {
              const outcomes = await enqueueRuns(db, target.url, requests);
              for (const outcome of outcomes)
                app.logger.info({ outcome }, describeOutcome(outcome));
              return { status: "succeeded" };
            }
            if (!graph || !tenant) throw new Error("no tenant to sync");
            const result = await lockedSync(app, options, {
              graph,
              db,
              databaseUrl: target.url,
              waitForLock: false,
              signal,
              tenant: tenant.name,
            });
            if (result.kind === "busy") {
              app.logger.warn({}, `${result.message}; skipping this tick`);
              return { status: "skipped" };
            }
            const { summary } = result;
            app.logger.info(
              { summary: { ...summary, failures: summary.failures.length } },
              "scheduled sync finished",
            );
            return { status: summary.status };
          },
        },
      );
    });
  });
}
