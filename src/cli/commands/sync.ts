import { Command, InvalidArgumentError, Option } from "commander";
import { runSync } from "../../sync/run-sync.ts";
import { graphSource } from "../../sync/graph-source.ts";
import { pgWarehouse } from "../../sync/pg-warehouse.ts";
import type { Trigger } from "../../sync/options.ts";
import { createApp, createExtractor, withWarehouse } from "../app.ts";
import { createProgressBar } from "../progress.ts";
import { exitCodeFor, formatSummary } from "../summary.ts";
import { addSyncFlags, syncOptionsFromFlags, type SyncFlagValues } from "../sync-flags.ts";

interface Flags extends SyncFlagValues {
  rateScale?: number;
}

/** `sync` (incremental) and `backfill` (ignores watermarks): the same pipeline. */
export function syncCommand(name: "sync" | "backfill"): Command {
  const trigger: Trigger = name === "backfill" ? "backfill" : "manual";
  const command = new Command(name).description(
    name === "sync"
      ? "incremental sync of every user's chats (migrations are applied first if pending)"
      : "full resync ignoring watermarks",
  );
  addSyncFlags(command).addOption(
    new Option(
      "--rate-scale <x>",
      "multiply Graph's documented rate limits (e.g. for the simulator)",
    )
      .argParser(parseScale)
      .default(undefined),
  );
  return command.action(async (flags: Flags) => {
    const options = await syncOptionsFromFlags(flags, trigger);
    const interactive = Boolean(process.stderr.isTTY) && !flags.json;
    const app = createApp({ quiet: interactive });
    const extractor = createExtractor(
      app,
      flags.rateScale === undefined ? {} : { rateScale: flags.rateScale },
    );
    const graph = graphSource(extractor);
    const progress = interactive
      ? createProgressBar(() => graph.counters(), process.stderr)
      : undefined;
    const controller = interruptOnSignals();
    const run = (warehouse: ReturnType<typeof pgWarehouse> | null) =>
      runSync(
        { graph, warehouse, logger: app.logger, progress, signal: controller.signal },
        options,
      );
    let where = "dry run: nothing written";
    const summary = options.dryRun
      ? await run(null)
      : await withWarehouse(app, { migrate: true }, ({ db, target }) => {
          where = `warehouse: ${target.description}`;
          return run(pgWarehouse(db));
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

/** SIGINT/SIGTERM: stop starting users, let the ones in flight commit, then exit. */
function interruptOnSignals(): AbortController {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return controller;
}

function parseScale(value: string): number {
  const scale = Number(value);
  if (!Number.isFinite(scale) || scale < 0)
    throw new InvalidArgumentError("expected a number >= 0 (0 = no limits)");
  return scale;
}
