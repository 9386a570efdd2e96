import { Command } from "commander";
import { sql, type Kysely } from "kysely";
import { withGraphTarget } from "../../config/graph-settings.ts";
import type { Database } from "../../load/index.ts";
import { startSimulator } from "../../sim/index.ts";
import { graphSource } from "../../sync/graph-source.ts";
import { defaultSyncOptions } from "../../sync/options.ts";
import { createApp, createExtractor, withWarehouse } from "../app.ts";
import { lockedSync } from "../locked-sync.ts";
import { createProgressBar } from "../progress.ts";
import { abortOnSignals, shutdownSignal } from "../signals.ts";
import { exitCodeFor, formatSummary } from "../summary.ts";
import { nonNegativeInt, positiveInt, rateScaleOption } from "../flags.ts";

interface Flags {
  users: number;
  seed: number;
  rateScale: number;
  serve?: boolean;
}

/**
 * `npm start`: the Graph simulator with a generated tenant, synced into the warehouse
 * (embedded Postgres unless DATABASE_URL is set), then a summary and one analyst query.
 * The tenant is the same for the same seed, so a second run is incremental and writes
 * nothing.
 */
export function demoCommand(): Command {
  return new Command("demo")
    .description("simulator + embedded Postgres + one sync + a summary (what `npm start` runs)")
    .option("--users <n>", "users in the simulated tenant", positiveInt, 40)
    .option("--seed <n>", "seed of the simulated tenant", nonNegativeInt, 1)
    .addOption(
      rateScaleOption("simulated Graph limits x this (1 = Graph's real limits)").default(1),
    )
    .option("--serve", "keep the simulator and the database running afterwards, until Ctrl-C")
    .action(async (flags: Flags) => {
      const interactive = Boolean(process.stderr.isTTY);
      const app = createApp({
        quiet: true,
        flags: { rateScale: flags.rateScale, sync: defaultSyncOptions() },
      });
      const sim = await startSimulator({
        users: flags.users,
        seed: flags.seed,
        rateScale: flags.rateScale,
      });
      try {
        console.log(
          `simulated Graph tenant: ${flags.users} users (seed ${flags.seed}) at ${sim.url}`,
        );
        const extractor = createExtractor(
          app,
          withGraphTarget(app.config.graph, { baseUrl: sim.url, token: sim.token }),
        );
        const graph = graphSource(extractor);
        await withWarehouse(app, { migrate: true }, async ({ db, target }) => {
          console.log(`warehouse: ${target.description}`);
          const before = await countRuns(db);
          const result = await lockedSync(app, app.config.sync, {
            graph,
            db,
            databaseUrl: target.url,
            waitForLock: false,
            signal: abortOnSignals(),
            ...(interactive
              ? { progress: createProgressBar(() => graph.counters(), process.stderr) }
              : {}),
          });
          if (result.kind === "busy") throw new Error(`${result.message}; try again when it ends`);
          const { summary } = result;
          console.log(formatSummary(summary, before === 0 ? "first sync" : "incremental sync"));
          const written = summary.rowsWritten.inserted + summary.rowsWritten.updated;
          if (before > 0 && written === 0) {
            console.log(
              "  nothing changed in the tenant, so nothing was written: the warehouse is up to date.",
            );
          }
          console.log(
            `  simulator: ${sim.stats().requests} requests served, ${sim.stats().throttled} answered 429`,
          );
          console.log("\nexample analyst query: the largest chats and their last activity\n");
          console.log(await exampleQuery(db));
          if (flags.serve) await serveUntilInterrupted(target.description, sim.url);
          else
            console.log(
              `\nrun it again for an incremental sync; \`npm start -- --serve\` keeps the database up for psql.`,
            );
          process.exitCode = exitCodeFor(summary);
        });
      } finally {
        await sim.close();
      }
    });
}

async function countRuns(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom("teams.sync_runs")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export const EXAMPLE_QUERY = sql<{
  topic: string;
  chat_type: string;
  members: number;
  last_message_at: Date | null;
}>`
  select coalesce(c.topic, '(one-on-one)') as topic,
         c.chat_type,
         count(m.membership_id) filter (where m.removed_at is null)::int as members,
         c.last_message_at
    from teams.chats c
    left join teams.chat_members m on m.chat_id = c.chat_id
   where c.deleted_at is null
   group by c.chat_id
   order by members desc, c.last_message_at desc nulls last
   limit 5`;

async function exampleQuery(db: Kysely<Database>): Promise<string> {
  const { rows } = await EXAMPLE_QUERY.execute(db);
  const table = rows.map((r) => ({
    topic: r.topic.length > 40 ? `${r.topic.slice(0, 39)}…` : r.topic,
    type: r.chat_type,
    members: String(r.members),
    "last message": r.last_message_at ? r.last_message_at.toISOString() : "-",
  }));
  const headers = ["topic", "type", "members", "last message"] as const;
  const widths = headers.map((h) => Math.max(h.length, ...table.map((r) => r[h].length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  return [
    line(headers),
    line(widths.map((w) => "-".repeat(w))),
    ...table.map((r) => line(headers.map((h) => r[h]))),
  ].join("\n");
}

async function serveUntilInterrupted(database: string, graphUrl: string): Promise<void> {
  console.log(
    `\nserving until Ctrl-C:\n  ${database}\n  GRAPH_BASE_URL=${graphUrl} (token: sim-access-token)`,
  );
  const stop = shutdownSignal();
  if (stop.aborted) return;
  await new Promise<void>((resolve) => stop.addEventListener("abort", () => resolve()));
}
