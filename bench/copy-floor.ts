/**
 * copy_ratio: how close the pipeline loads to Postgres's physical floor.
 *
 * The loader's time: bench/load-replay-child.ts records every load of a full sync (no
 * limits, no latency) and replays them, timed, through the real loader into a fresh
 * database (load_seconds); the recording sync's own wall time, with no database, is the
 * extraction floor (extract_seconds). copy_ratio = copy_seconds / load_seconds.
 * copy_ratio_end_to_end = copy_seconds / sync_seconds compares the whole unthrottled run
 * (extract, normalize and load together) with the same floor.
 *
 * The floor: after a full sync
 * with no limits and no latency, the final rows of every data table are read back
 * (COPY … TO STDOUT, text format, untimed) and written with a raw COPY … FROM STDIN into
 * fresh copies of the tables (schema copy_floor, `LIKE teams.<t> INCLUDING ALL`: same
 * columns, defaults, constraints and indexes), each after a CHECKPOINT into an empty
 * table, the faster of COPY_TRIES tries. copy_seconds = the summed wall time of
 * those COPY FROM statements (the floor's tables are dropped after, and the replay waits
 * for a checkpoint and for autovacuum to go idle); sync_seconds = the wall time of runSync (extract,
 * normalize and load together).
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
import { systemSleep } from "../src/runtime.ts";
import type { Simulator } from "../src/sim/index.ts";
import type { LoadReplayResult } from "./load-replay-child.ts";
import {
  DATA_TABLES,
  log,
  runChild,
  runChildSync,
  seconds,
  type ChildSyncResult,
  type Figures,
} from "./support.ts";

const COPY_TRIES = 2;

export interface CopyFloorResult {
  readonly sync: ChildSyncResult;
  readonly copySeconds: number;
}

export async function benchCopyFloor(
  sim: Simulator,
  databaseUrl: string,
  replayDatabaseUrl: string,
  figures: Figures,
): Promise<CopyFloorResult> {
  log("copy floor: full sync with no limits and no latency");
  const sync = await runChildSync({
    graphUrl: sim.url,
    token: sim.token,
    databaseUrl,
    rateScale: 0,
    timeoutMs: 30 * 60_000,
  });
  log(`copy floor: sync ${sync.status} in ${sync.syncSeconds.toFixed(1)} s`);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const tables: Record<string, { rows: number; bytes: number; seconds: number }> = {};
  try {
    await client.query("drop schema if exists copy_floor cascade");
    await client.query("create schema copy_floor");
    for (const table of DATA_TABLES) {
      await client.query(`create table copy_floor.${table} (like teams.${table} including all)`);
      const chunks: Buffer[] = [];
      for await (const chunk of client.query(copyTo(`copy teams.${table} to stdout`)))
        chunks.push(chunk as Buffer);
      // The floor is what Postgres can do at best: each COPY starts after a checkpoint
      // (the sync's WAL flushed, not competing), and the faster of two tries counts.
      let took = Infinity;
      for (let attempt = 0; attempt < COPY_TRIES; attempt++) {
        await client.query(`truncate copy_floor.${table}`);
        await client.query("checkpoint");
        const started = performance.now();
        await pipeline(
          Readable.from(chunks),
          client.query(copyFrom(`copy copy_floor.${table} from stdin`)),
        );
        took = Math.min(took, seconds(started));
      }
      const { rows } = await client.query<{ n: string }>(
        `select count(*) as n from copy_floor.${table}`,
      );
      tables[table] = {
        rows: Number(rows[0]?.n ?? 0),
        bytes: chunks.reduce((n, c) => n + c.length, 0),
        seconds: took,
      };
      log(`copy floor: ${table}: ${tables[table].rows} rows in ${took.toFixed(2)} s`);
    }
    // The replay, like each COPY, starts on a quiet server: the floor's tables dropped, the
    // WAL flushed, no autovacuum worker still busy with the sync's tables.
    await client.query("drop schema copy_floor cascade");
    await client.query("checkpoint");
    await untilAutovacuumIdle(client);
  } finally {
    await client.end();
  }
  const copySeconds = Object.values(tables).reduce((n, t) => n + t.seconds, 0);
  log("copy floor: recording the loads of a sync, then replaying them through the loader");
  const replay = await runChild<LoadReplayResult>(
    "load-replay-child.ts",
    ["--graph-url", sim.url, "--database-url", replayDatabaseUrl],
    { BENCH_GRAPH_TOKEN: sim.token },
    30 * 60_000,
  );
  log(
    `copy floor: extract ${replay.extractSeconds.toFixed(1)} s, load ${replay.loadSeconds.toFixed(1)} s ` +
      `(shared rows ${replay.chatLoadSeconds.toFixed(1)} s, users ${replay.userLoadSeconds.toFixed(1)} s; ` +
      `loader CPU ${replay.loadCpuSeconds.toFixed(1)} s) ` +
      `(${replay.chatLoads} page loads, ${replay.userLoads} user loads)`,
  );
  figures.figure("copy_sync_seconds", sync.syncSeconds);
  figures.figure("copy_extract_seconds", replay.extractSeconds);
  figures.figure("copy_load_seconds", replay.loadSeconds);
  figures.figure("copy_seconds", copySeconds);
  figures.figure("copy_ratio", copySeconds / replay.loadSeconds);
  figures.figure("copy_ratio_end_to_end", copySeconds / sync.syncSeconds);
  figures.detail("copy", {
    sync,
    replay,
    tables,
    definition:
      "copy_seconds = sum over the data tables of the wall time of a raw COPY FROM STDIN (text) " +
      "of the synced rows into empty copies (LIKE … INCLUDING ALL, indexes included), after a " +
      "CHECKPOINT, the faster of two tries; " +
      "sync_seconds = wall time of runSync in its own process (rateScale 0, latency 0); " +
      "load_seconds = wall time of replaying the sync's recorded loads through the loader " +
      "(pgWarehouse, sync concurrency) into a fresh database; copy_ratio = copy_seconds / " +
      "load_seconds; copy_ratio_end_to_end = copy_seconds / sync_seconds; extract_seconds = " +
      "wall time of the recording sync (no database)",
  });
  return { sync, copySeconds };
}

/** Waits (at most two minutes) until no autovacuum worker runs on the server. */
async function untilAutovacuumIdle(client: pg.Client): Promise<void> {
  const deadline = performance.now() + 120_000;
  while (performance.now() < deadline) {
    const { rows } = await client.query<{ n: number }>(
      "select count(*)::int as n from pg_stat_activity where backend_type = 'autovacuum worker'",
    );
    if ((rows[0]?.n ?? 0) === 0) return;
    await systemSleep(500);
  }
  log("copy floor: autovacuum still busy after two minutes; replaying anyway");
}
