/**
 * The unthrottled messages backfill (every stream, no limits, no latency) that
 * messages_copy_ratio and the nightly figures start from, and messages_copy_ratio itself:
 * how close the pipeline loads messages to Postgres's physical floor.
 *
 * The floor: the final rows of chat_messages and its three part tables after the backfill,
 * written with a raw COPY into empty copies of the tables (bench/support.ts copyFloor).
 * The loader's time: bench/messages-replay-child.ts records every page of messages a
 * second backfill hands the warehouse and replays them, timed, through the real loader
 * into a fresh database (load_seconds). messages_copy_ratio = copy_seconds / load_seconds;
 * messages_copy_ratio_end_to_end = copy_seconds / sync_seconds compares the whole backfill
 * (extract, normalize and load of every stream) with the same floor, and messages_per_second
 * = messages / sync_seconds is that backfill's speed.
 */
import type { Simulator } from "../src/sim/index.ts";
import type { MessagesReplayResult } from "./messages-replay-child.ts";
import { MESSAGE_STREAMS, messageTruth, type MessageTruth } from "./messages-tenant.ts";
import {
  copyFloor,
  log,
  ownCpuSeconds,
  postgresCpuSeconds,
  runChild,
  runChildSync,
  type ChildSyncResult,
  type Figures,
} from "./support.ts";

/** The tables a messages load writes. */
export const MESSAGE_TABLES = [
  "chat_messages",
  "chat_message_mentions",
  "chat_message_reactions",
  "chat_message_attachments",
] as const;

export interface MessagesBackfill {
  readonly sync: ChildSyncResult;
  readonly truth: MessageTruth;
  /** The backfill's requests per route (the simulator's counters). */
  readonly byRouteKind: Partial<Record<string, number>>;
  readonly postgresCpuSeconds: number | null;
  readonly simulatorCpuSeconds: number;
}

/** A first sync of every stream, messages included, against an unthrottled simulator. */
export async function messagesBackfill(
  sim: Simulator,
  databaseUrl: string,
): Promise<MessagesBackfill> {
  const truth = messageTruth(sim);
  log(
    `messages backfill: ${truth.messages} messages in ${truth.chats} chats, ${truth.users} users, ` +
      "no limits, no latency",
  );
  sim.resetStats();
  const pgBefore = await postgresCpuSeconds(databaseUrl);
  const simBefore = ownCpuSeconds();
  const sync = await runChildSync({
    graphUrl: sim.url,
    token: sim.token,
    databaseUrl,
    rateScale: 0,
    streams: MESSAGE_STREAMS,
    timeoutMs: 60 * 60_000,
  });
  const simulatorCpuSeconds = ownCpuSeconds() - simBefore;
  const pgAfter = await postgresCpuSeconds(databaseUrl);
  const postgresCpu = pgBefore === null || pgAfter === null ? null : pgAfter - pgBefore;
  log(
    `messages backfill: ${sync.status} in ${sync.syncSeconds.toFixed(1)} s, ${sync.messages} ` +
      `messages; CPU: sync ${sync.cpuSeconds.toFixed(0)} s, postgres ${postgresCpu?.toFixed(0) ?? "?"} s, ` +
      `simulator ${simulatorCpuSeconds.toFixed(0)} s`,
  );
  if (sync.status !== "succeeded") throw new Error(`the messages backfill ended ${sync.status}`);
  return {
    sync,
    truth,
    byRouteKind: { ...sim.stats().byRouteKind },
    postgresCpuSeconds: postgresCpu,
    simulatorCpuSeconds,
  };
}

export async function benchMessagesCopy(
  sim: Simulator,
  backfill: MessagesBackfill,
  databaseUrl: string,
  replayDatabaseUrl: string,
  figures: Figures,
): Promise<void> {
  const tables = await copyFloor(databaseUrl, MESSAGE_TABLES, "messages copy floor");
  const copySeconds = Object.values(tables).reduce((n, t) => n + t.seconds, 0);
  log("messages copy floor: recording the message loads of a backfill, then replaying them");
  const replay = await runChild<MessagesReplayResult>(
    "messages-replay-child.ts",
    ["--graph-url", sim.url, "--database-url", replayDatabaseUrl],
    { BENCH_GRAPH_TOKEN: sim.token },
    60 * 60_000,
  );
  log(
    `messages copy floor: extract ${replay.extractSeconds.toFixed(1)} s, load ` +
      `${replay.loadSeconds.toFixed(1)} s (loader CPU ${replay.loadCpuSeconds.toFixed(1)} s), ` +
      `${replay.pages} pages, ${replay.messages} messages, replay child peak ` +
      `${((replay.vmHwmKb ?? 0) / 1024).toFixed(0)} MB`,
  );
  const { sync } = backfill;
  figures.figure("messages_copy_seconds", copySeconds);
  figures.figure("messages_copy_load_seconds", replay.loadSeconds);
  figures.figure("messages_copy_extract_seconds", replay.extractSeconds);
  figures.figure("messages_copy_sync_seconds", sync.syncSeconds);
  figures.figure("messages_copy_ratio", copySeconds / replay.loadSeconds);
  figures.figure("messages_copy_ratio_end_to_end", copySeconds / sync.syncSeconds);
  figures.figure("messages_per_second", sync.messages / sync.syncSeconds);
  figures.figure("messages_load_per_second", replay.messages / replay.loadSeconds);
  figures.detail("messagesCopy", {
    backfill: {
      sync,
      postgresCpuSeconds: backfill.postgresCpuSeconds,
      simulatorCpuSeconds: backfill.simulatorCpuSeconds,
      byRouteKind: backfill.byRouteKind,
    },
    replay,
    tables,
    definition:
      "copy_seconds = sum over chat_messages and its part tables of the wall time of a raw COPY " +
      "FROM STDIN (text) of the backfilled rows into empty copies (LIKE … INCLUDING ALL), after a " +
      "CHECKPOINT, the faster of two tries; load_seconds = wall time of replaying the recorded " +
      "pages of messages through pgWarehouse.loadMessages (32 at once) into a fresh database; " +
      "messages_copy_ratio = copy_seconds / load_seconds; messages_copy_ratio_end_to_end = " +
      "copy_seconds / sync_seconds (wall time of the unthrottled backfill of every stream); " +
      "messages_per_second = messages / sync_seconds; messages_load_per_second = messages / " +
      "load_seconds",
  });
}
