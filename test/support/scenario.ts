/**
 * Helpers for the scenario tests (test/scenarios): whole-warehouse comparison, watermark
 * reads, expectations for runs in which some users failed, and crafting timestamps the
 * mutation API cannot produce (equal or 100 ns apart lastUpdatedDateTime values).
 */
import type { Kysely } from "kysely";
import { expect } from "vitest";
import type { Database } from "../../src/load/index.ts";
import type { SimState, SimStats, Simulator } from "../../src/sim/index.ts";
import { formatGraphTime, graphTimeToMs } from "../../src/sim/index.ts";
import { pgInstant } from "./pg-instant.ts";
import { DATA_TABLES, rowKey, type WarehouseSnapshot } from "./warehouse-snapshot.ts";

export const DAY_MS = 24 * 60 * 60 * 1000;
export const PENDING_STATUSES = new Set(["notStarted", "inProgress"]);

/** Table by table, then row by row, so a failure names the table and the row's key. */
export function expectWarehouse(
  actual: WarehouseSnapshot,
  expected: WarehouseSnapshot,
  label = "",
): void {
  for (const table of DATA_TABLES) {
    const actualKeys = actual[table].map((row) => rowKey(table, row));
    const expectedKeys = expected[table].map((row) => rowKey(table, row));
    expect(actualKeys, `${label} keys of teams.${table}`).toEqual(expectedKeys);
    actual[table].forEach((row, i) => {
      expect(row, `${label} teams.${table} ${actualKeys[i]}`).toEqual(expected[table][i]);
    });
  }
}

/** 100 ns ticks of a Graph timestamp, exact (0 to 7 fractional digits). */
export function ticks(graph: string): bigint {
  const m = /^(.+T\d\d:\d\d:\d\d)(?:\.(\d{1,7}))?Z$/.exec(graph);
  if (!m?.[1]) throw new RangeError(`not a Graph timestamp: ${graph}`);
  return BigInt(Date.parse(`${m[1]}Z`)) * 10_000n + BigInt((m[2] ?? "").padEnd(7, "0"));
}

/** Every watermark as `stream user` -> watermark_raw. */
export async function readWatermarks(db: Kysely<Database>): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom("teams.sync_watermarks")
    .select(["stream", "user_id", "watermark_raw"])
    .execute();
  return new Map(rows.map((r) => [`${r.stream} ${r.user_id}`, r.watermark_raw ?? ""]));
}

/** No watermark went backwards or disappeared between two reads. */
export function expectWatermarksNotBehind(
  before: ReadonlyMap<string, string>,
  after: ReadonlyMap<string, string>,
  label: string,
): void {
  const behind = [...before]
    .filter(([key, raw]) => {
      const now = after.get(key);
      return now === undefined || ticks(now) < ticks(raw);
    })
    .map(([key, raw]) => `${key}: ${raw} -> ${after.get(key) ?? "(gone)"}`);
  expect(behind, `${label}: watermarks that went backwards`).toEqual([]);
}

/** Each user's newest lastUpdatedDateTime (as sent): what its watermark must be. */
export function newestPerUser(state: SimState): Map<string, string> {
  const newest = new Map<string, string>();
  for (const chat of state.chats) {
    for (const userId of Object.keys(chat.viewpoints)) {
      const best = newest.get(userId);
      if (best === undefined || ticks(chat.lastUpdatedDateTime) > ticks(best))
        newest.set(userId, chat.lastUpdatedDateTime);
    }
  }
  return newest;
}

/**
 * The expectation after a run in which `failed` users' listings failed: their user_chats
 * rows stay exactly as before (nothing removed), and a chat that one of them still had
 * active and no successful user lists keeps its previous row (in particular it is not
 * marked deleted). `succeeded` is expectedWarehouse computed for the other users.
 */
export function withFailedUsers(
  succeeded: WarehouseSnapshot,
  previous: WarehouseSnapshot,
  failed: readonly string[],
): WarehouseSnapshot {
  const failing = new Set(failed);
  const keptActive = new Set(
    previous.user_chats.filter((r) => failing.has(r.user_id) && !r.removed).map((r) => r.chat_id),
  );
  const listedByOthers = new Set(
    succeeded.user_chats.filter((r) => !failing.has(r.user_id) && !r.removed).map((r) => r.chat_id),
  );
  const previousChats = new Map(previous.chats.map((c) => [c.chat_id, c]));
  const userChats = [
    ...succeeded.user_chats.filter((r) => !failing.has(r.user_id)),
    ...previous.user_chats.filter((r) => failing.has(r.user_id)),
  ];
  return {
    ...succeeded,
    chats: succeeded.chats.map((row) =>
      keptActive.has(row.chat_id) && !listedByOthers.has(row.chat_id)
        ? (previousChats.get(row.chat_id) ?? row)
        : row,
    ),
    user_chats: userChats.sort((a, b) => {
      const ka = rowKey("user_chats", a);
      const kb = rowKey("user_chats", b);
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    }),
  };
}

/**
 * Sets a chat's lastUpdatedDateTime to an exact wire value, which the mutation API cannot
 * do (it stamps the simulated clock). Used to model Graph's coarse or 100 ns clocks: equal
 * values on many chats, values that differ only in the 7th fractional digit.
 */
export function setLastUpdated(sim: Simulator, chatId: string, raw: string): void {
  const entry = sim.tenant.store.requireChat(chatId);
  entry.state.lastUpdatedDateTime = raw;
  entry.version++;
}

/**
 * What `GET /users/{id}/chats` shows as lastUpdatedDateTime with the simulator's
 * list-vs-get skew on (src/sim/routes/list-chats.ts: a per-chat constant 1..skewMs
 * earlier, at millisecond precision). The warehouse stores what the listing showed.
 */
export function listedLastUpdated(chatId: string, exact: string, skewMs: number): string {
  if (skewMs <= 0) return exact;
  let hash = 0;
  for (const ch of chatId) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return formatGraphTime(graphTimeToMs(exact) - 1 - (hash % skewMs));
}

/** The expectation with chats' lastUpdatedDateTime as the skewed listing shows it. */
export function asListedWithSkew(expected: WarehouseSnapshot, skewMs: number): WarehouseSnapshot {
  return {
    ...expected,
    chats: expected.chats.map((row) => {
      if (row.deleted || row.last_updated_raw === null) return row;
      const listed = listedLastUpdated(row.chat_id, row.last_updated_raw, skewMs);
      return {
        ...row,
        last_updated_raw: listed,
        last_updated_at: pgInstant(listed),
        raw: { ...row.raw, lastUpdatedDateTime: listed },
      };
    }),
  };
}

/** Distinct chat ids of the logged requests of these route kinds. */
export function chatsRequested(stats: SimStats, ...kinds: string[]): string[] {
  return [
    ...new Set(
      stats.log.filter((e) => kinds.includes(e.routeKind) && e.chatId).map((e) => e.chatId ?? ""),
    ),
  ].sort();
}

/** Operation ids polled with GET /beta/chats/{id}/operations/{id}. */
export function operationsPolled(stats: SimStats): string[] {
  return stats.log
    .filter((e) => e.routeKind === "getOperation")
    .map((e) => decodeURIComponent(e.path.split("/").pop() ?? ""))
    .sort();
}

/** Users whose chats were listed (GET /users/{id}/chats), distinct. */
export function usersListed(stats: SimStats): string[] {
  return [
    ...new Set(stats.log.filter((e) => e.routeKind === "listChats").map((e) => e.userId ?? "")),
  ].sort();
}

export { counterDelta, writeCounters, type WriteCounters } from "./pg-stat.ts";
