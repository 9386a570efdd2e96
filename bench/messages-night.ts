/**
 * messages_night_requests: the message requests of the nights after a messages backfill.
 * First an unchanged night (a simulated day passes with nothing said), then a day of
 * ordinary activity (sim.tenant.simulateActivity: 1% of chats get 3 messages each, and
 * 100 edits, reactions, unreactions and deletions land on old messages elsewhere). Each
 * night is one sync of every stream against the unthrottled simulator; its message
 * requests come from the simulator's per-route counters, its rows written from
 * pg_stat_user_tables.
 *
 * The source the pipeline uses nightly (one getAllMessages/delta round per user) is set
 * against the alternative (a filtered read of every synced chat's messages) on the same
 * nights, and the backfill it uses (per-chat history reads) against the alternative (every
 * user's getAllMessages), from the simulator's ground truth, at Graph's limits (see
 * bench/messages-tenant.ts): the numbers behind the README's choice of sources.
 */
import type { Simulator } from "../src/sim/index.ts";
import { MESSAGE_TABLES, type MessagesBackfill } from "./messages-copy.ts";
import {
  backfillCosts,
  MESSAGE_STREAMS,
  messageRequests,
  nightCosts,
  type SourceCost,
} from "./messages-tenant.ts";
import {
  DATA_TABLES,
  log,
  runChildSync,
  tableStats,
  type ChildSyncResult,
  type Figures,
  type TableStats,
} from "./support.ts";

const DAY_MS = 86_400_000;

interface Night {
  readonly sync: ChildSyncResult;
  readonly requests: number;
  readonly byRoute: Record<string, number>;
  readonly allRequests: number;
  /** Rows inserted, updated or deleted: in every data table, and in the message tables. */
  readonly writes: number;
  readonly messageWrites: number;
  /** Per data table that changed, its rows inserted, updated and deleted. */
  readonly tableWrites: TableStats;
}

export async function benchMessagesNight(
  sim: Simulator,
  backfill: MessagesBackfill,
  databaseUrl: string,
  figures: Figures,
): Promise<void> {
  const { truth } = backfill;
  log("messages night: an unchanged day, then a sync");
  sim.advanceTime(DAY_MS);
  const quiet = await night(sim, databaseUrl);
  log(
    `messages night: unchanged: ${quiet.requests} message requests ` +
      `(${JSON.stringify(quiet.byRoute)}), ${quiet.messageWrites} message rows written (all ` +
      `tables: ${JSON.stringify(quiet.tableWrites)}), ${truth.users} users, ${truth.chats} chats`,
  );

  log("messages night: a day of activity (1% of chats active, 100 changes to old messages)");
  const activity = sim.tenant.simulateActivity({});
  const changedPerChat = new Map<string, number>();
  const perActive = activity.activeChats.length ? activity.posted / activity.activeChats.length : 0;
  for (const chatId of activity.activeChats) changedPerChat.set(chatId, perActive);
  const changedIds = new Set<string>();
  for (const { chatId, messageId } of activity.changes) {
    const key = `${chatId}\u0000${messageId}`;
    if (changedIds.has(key)) continue;
    changedIds.add(key);
    changedPerChat.set(chatId, (changedPerChat.get(chatId) ?? 0) + 1);
  }
  const changedMessages = activity.posted + changedIds.size;
  const day = await night(sim, databaseUrl);
  log(
    `messages night: after ${activity.activeChats.length} active chats (${activity.posted} posts) ` +
      `and ${activity.changes.length} changes to ${changedIds.size} old messages: ` +
      `${day.requests} message requests (${JSON.stringify(day.byRoute)}), ${day.messageWrites} message rows written`,
  );

  const quietAlternatives = nightCosts(truth, new Map());
  const dayAlternatives = nightCosts(truth, changedPerChat);
  const backfillAlternatives = backfillCosts(truth);
  const measuredHistories = backfill.byRouteKind.listMessages ?? 0;
  figures.figure("messages_night_requests", quiet.requests);
  // Message rows: the day also completes the tenant's pending app-install operations
  // (simulated time), which the operations stream rightly writes.
  figures.figure("messages_night_writes", quiet.messageWrites);
  figures.figure("messages_day_requests", day.requests);
  figures.figure("messages_day_changed_messages", changedMessages);
  figures.figure("messages_night_users", truth.users);
  figures.figure("messages_night_chats", truth.chats);
  figures.figure("messages_night_per_chat_requests", quietAlternatives.perChat.requests);
  figures.figure("messages_day_per_chat_requests", dayAlternatives.perChat.requests);
  figures.figure("messages_backfill_chat_requests", measuredHistories);
  figures.figure("messages_backfill_user_requests", backfillAlternatives.perUser.requests);
  figures.figure("messages_backfill_chat_graph_seconds", backfillAlternatives.perChat.graphSeconds);
  figures.figure("messages_backfill_user_graph_seconds", backfillAlternatives.perUser.graphSeconds);
  if (measuredHistories !== backfillAlternatives.perChat.requests) {
    log(
      `messages night: WARNING the backfill read ${measuredHistories} history pages, ` +
        `the ground truth gives ${backfillAlternatives.perChat.requests}`,
    );
  }
  figures.detail("messagesNight", {
    tenant: { users: truth.users, chats: truth.chats, messages: truth.messages },
    unchanged: quiet,
    activity: {
      activeChats: activity.activeChats.length,
      posted: activity.posted,
      changes: activity.changes.length,
      changedOldMessages: changedIds.size,
    },
    afterActivity: day,
    // What each source costs, at Graph's limits (scale 1).
    sources: {
      unchangedNight: withSeconds(quietAlternatives, quiet.requests),
      nightAfterActivity: withSeconds(dayAlternatives, day.requests),
      backfill: backfillAlternatives,
    },
    definition:
      "messages_night_requests = simulator requests to message routes (listMessages, getMessage, " +
      "getAllMessages, getAllMessagesDelta) during a sync of every stream after a simulated day " +
      "with no activity; messages_night_writes = rows it inserted, updated or deleted in " +
      "chat_messages and its part tables; " +
      "messages_day_requests = the same after sim.tenant.simulateActivity({}) " +
      "(1% of chats x 3 posts, 100 changes to old messages); _per_chat_requests = what a nightly " +
      "filtered read of every chat would send (Σ over chats of max(1, ceil(changed/50))); " +
      "messages_backfill_chat_requests = history pages the backfill read; " +
      "messages_backfill_user_requests = Σ over users of max(1, ceil(messages in the user's " +
      "chats / 50)); _graph_seconds = the most loaded budget at Graph's limits (20/s per tenant " +
      "and 1/s per chat; 200/s)",
  });
}

/** A sync of every stream, with its message requests and rows written. */
async function night(sim: Simulator, databaseUrl: string): Promise<Night> {
  const before = await tableStats(databaseUrl);
  sim.resetStats();
  const sync = await runChildSync({
    graphUrl: sim.url,
    token: sim.token,
    databaseUrl,
    rateScale: 0,
    streams: MESSAGE_STREAMS,
    timeoutMs: 30 * 60_000,
  });
  if (sync.status !== "succeeded") throw new Error(`a nightly sync ended ${sync.status}`);
  const after = await tableStats(databaseUrl);
  const stats = sim.stats();
  const { total, byRoute } = messageRequests(stats.byRouteKind);
  return {
    sync,
    requests: total,
    byRoute,
    allRequests: stats.requests,
    writes: writesBetween(before, after, DATA_TABLES),
    messageWrites: writesBetween(before, after, MESSAGE_TABLES),
    tableWrites: changedTables(before, after),
  };
}

function changedTables(before: TableStats, after: TableStats): TableStats {
  const changed: TableStats = {};
  for (const table of DATA_TABLES) {
    const was = before[table] ?? { ins: 0, upd: 0, del: 0 };
    const now = after[table] ?? was;
    const delta = { ins: now.ins - was.ins, upd: now.upd - was.upd, del: now.del - was.del };
    if (delta.ins + delta.upd + delta.del > 0) changed[table] = delta;
  }
  return changed;
}

function writesBetween(before: TableStats, after: TableStats, tables: readonly string[]): number {
  let writes = 0;
  for (const table of tables) {
    const was = before[table] ?? { ins: 0, upd: 0, del: 0 };
    const now = after[table] ?? was;
    writes += now.ins - was.ins + (now.upd - was.upd) + (now.del - was.del);
  }
  return writes;
}

/** Each source's cost next to what the pipeline's nightly source measured. */
function withSeconds(
  costs: { perChat: SourceCost; perUser: SourceCost },
  measured: number,
): Record<string, unknown> {
  return { ...costs, measuredPerUserRequests: measured };
}
