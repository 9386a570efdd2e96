import { Command } from "commander";
import { dryRunWarehouse } from "../../sync/dry-run-warehouse.ts";
import { runSync } from "../../sync/run-sync.ts";
import { graphSource } from "../../sync/graph-source.ts";
import type { Trigger } from "../../sync/options.ts";
import { createApp, createExtractor, withWarehouse } from "../app.ts";
import { lockedSync } from "../locked-sync.ts";
import { abortOnSignals } from "../signals.ts";
import { addTenantFlags, chosenTenant, type TenantFlagValues } from "../tenant-flags.ts";
import { createProgressBar } from "../progress.ts";
import { exitCodeFor, formatSummary } from "../summary.ts";
import { addSyncFlags, syncOptionsFromFlags, type SyncFlagValues } from "../sync-flags.ts";

interface Flags extends SyncFlagValues, TenantFlagValues {
  waitForLock?: boolean;
}

/** Another sync, backfill or scheduled run holds the warehouse. */
class RunBusyError extends Error {}

/** `sync` (incremental) and `backfill` (ignores watermarks): the same pipeline. */
export function syncCommand(name: "sync" | "backfill"): Command {
  const trigger: Trigger = name === "backfill" ? "backfill" : "manual";
  const command = new Command(name).description(
    name === "sync"
      ? "incremental sync of every user's chats (migrations are applied first if pending)"
      : "full resync ignoring watermarks",
  );
  addSyncFlags(command).option(
    "--wait-for-lock",
    "when another run holds the warehouse, wait for it instead of exiting",
  );
  addTenantFlags(command, "the tenant to sync (default: the environment's, named default)");
  if (name === "backfill") {
    command.option(
      "--resume",
      "continue the last backfill that did not complete, with the users not yet done",
    );
  }
  return command.action(async (flags: Flags) => {
    const sync = await syncOptionsFromFlags(flags, trigger);
    const interactive = Boolean(process.stderr.isTTY) && !flags.json;
    const app = createApp({ quiet: interactive, flags: { rateScale: flags.rateScale, sync } });
    const options = app.config.sync;
    const tenant = chosenTenant(app, flags);
    const graph = graphSource(createExtractor(app, tenant.graph));
    const progress = interactive
      ? createProgressBar(() => graph.counters(), process.stderr)
      : undefined;
    const signal = abortOnSignals();
    let where = "dry run: nothing written";
    const summary = options.dryRun
      ? await runSync(
          { graph, warehouse: dryRunWarehouse(), logger: app.logger, progress, signal },
          options,
        )
      : await withWarehouse(app, { migrate: true }, async ({ db, target }) => {
          where = `warehouse: ${target.description}`;
          const result = await lockedSync(app, options, {
            graph,
            db,
            databaseUrl: target.url,
            waitForLock: flags.waitForLock ?? false,
            signal,
            tenant: tenant.name,
            ...(progress ? { progress } : {}),
          });
          if (result.kind === "busy") {
            throw new RunBusyError(
              `${result.message}; not starting (use --wait-for-lock to wait for it)`,
            );
          }
          return result.summary;
        });
    if (flags.json) console.log(JSON.stringify(summary));
    else console.log(`${formatSummary(summary, name)}\n  ${where}`);
    app.logger.info(
      { summary: { ...summary, failures: summary.failures.length } },
      `${name} finished`,
    );
    process.exitCode = exitCodeFor(summary);
  });
}
