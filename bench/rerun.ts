/**
 * rerun_writes / rerun_requests: an incremental sync over the unchanged tenant, right
 * after a full one. Rows written are pg_stat_user_tables deltas (inserts + updates +
 * deletes) on the data tables, read after the sync process exited (its backends flush
 * their stats on exit) and pg_stat_force_next_flush(). Requests beyond the listings,
 * /users and pending-operation polls come from the simulator's per-route counters.
 */
import pg from "pg";
import { systemSleep } from "../src/runtime.ts";
import type { Simulator } from "../src/sim/index.ts";
import { DATA_TABLES, log, runChildSync, type Figures } from "./support.ts";

type TableStats = Record<string, { ins: number; upd: number; del: number }>;

/** Route kinds an unchanged rerun is expected to make. */
const EXPECTED_ROUTES = new Set(["listChats", "listUsers", "getOperation"]);

export async function benchRerun(
  sim: Simulator,
  databaseUrl: string,
  figures: Figures,
): Promise<void> {
  log("rerun: incremental sync over the unchanged tenant");
  const before = await tableStats(databaseUrl);
  sim.resetStats();
  const sync = await runChildSync({
    graphUrl: sim.url,
    token: sim.token,
    databaseUrl,
    rateScale: 0,
    timeoutMs: 30 * 60_000,
  });
  const after = await tableStats(databaseUrl);
  const stats = sim.stats();
  const deltas: TableStats = {};
  for (const [table, now] of Object.entries(after)) {
    const was = before[table] ?? { ins: 0, upd: 0, del: 0 };
    deltas[table] = { ins: now.ins - was.ins, upd: now.upd - was.upd, del: now.del - was.del };
  }
  const writes = DATA_TABLES.reduce((n, t) => {
    const d = deltas[t];
    return n + (d ? d.ins + d.upd + d.del : 0);
  }, 0);
  const extraRequests = Object.entries(stats.byRouteKind)
    .filter(([kind]) => !EXPECTED_ROUTES.has(kind))
    .reduce((n, [, count]) => n + (count ?? 0), 0);
  log(`rerun: sync ${sync.status} in ${sync.syncSeconds.toFixed(1)} s`);
  figures.figure("rerun_seconds", sync.syncSeconds);
  figures.figure("rerun_writes", writes);
  figures.figure("rerun_requests", extraRequests);
  figures.detail("rerun", {
    sync,
    tableDeltas: deltas,
    byRouteKind: stats.byRouteKind,
    definition:
      "rerun_writes = sum of n_tup_ins+n_tup_upd+n_tup_del deltas on teams." +
      DATA_TABLES.join(", teams.") +
      "; rerun_requests = simulator requests other than listChats, listUsers and getOperation",
  });
}

/** Flushed, settled table counters of schema teams. */
async function tableStats(databaseUrl: string): Promise<TableStats> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    let last = "";
    // Exited backends flush as they go; wait (bounded) until two reads agree.
    for (let attempt = 0; attempt < 20; attempt++) {
      await client.query("select pg_stat_force_next_flush()");
      await client.query("select pg_stat_clear_snapshot()");
      const { rows } = await client.query<{
        relname: string;
        ins: string;
        upd: string;
        del: string;
      }>(
        `select relname, n_tup_ins as ins, n_tup_upd as upd, n_tup_del as del
           from pg_stat_user_tables where schemaname = 'teams' order by relname`,
      );
      const current = JSON.stringify(rows);
      if (current === last) {
        return Object.fromEntries(
          rows.map((r) => [
            r.relname,
            { ins: Number(r.ins), upd: Number(r.upd), del: Number(r.del) },
          ]),
        );
      }
      last = current;
      await systemSleep(500);
    }
    throw new Error("pg_stat_user_tables did not settle within 10 s");
  } finally {
    await client.end();
  }
}
