/**
 * "A run over an unchanged tenant writes zero rows", measured by Postgres itself
 * (pg_stat_user_tables), not by the counts the pipeline reports about itself: after a
 * first run, and again after a day of changes, an immediate rerun inserts, updates and
 * deletes nothing, and calls Graph only for the listings and the polls of operations
 * that have not ended.
 */
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../src/load/index.ts";
import type { SimStats, Simulator } from "../../src/sim/index.ts";
import { startSimulator } from "../../src/sim/index.ts";
import { expectedWarehouse } from "../support/expected-warehouse.ts";
import {
  DAY_MS,
  PENDING_STATUSES,
  chatsRequested,
  counterDelta,
  expectWarehouse,
  operationsPolled,
  writeCounters,
  type WriteCounters,
} from "../support/scenario.ts";
import { SMALL_TENANT, syncWith, useSimWarehouse } from "../support/sim-warehouse.ts";
import { readWarehouse } from "../support/warehouse-snapshot.ts";

const warehouse = useSimWarehouse();

const DATA_TABLES = ["chats", "chat_members", "user_chats", "message_previews", "chat_operations"];
const ZERO = Object.fromEntries(DATA_TABLES.map((t) => [t, { ins: 0, upd: 0, del: 0 }]));

describe("an immediate rerun over an unchanged tenant", () => {
  let sim: Simulator;
  /** One connection: every write of the runs happens in the backend we flush. */
  let single: { db: Kysely<Database>; close(): Promise<void> };

  beforeAll(async () => {
    await warehouse.reset();
    single = openDatabase(warehouse.url, { maxConnections: 1 });
    sim = await startSimulator({ ...SMALL_TENANT, rateScale: 0 });
  });
  afterAll(async () => {
    await single.close();
    await sim.close();
  });

  /** Runs once more without changing anything; returns the counter deltas and the requests. */
  async function rerun(): Promise<{ delta: WriteCounters; stats: SimStats }> {
    const before = await writeCounters(single.db, [...DATA_TABLES, "sync_watermarks"]);
    sim.resetStats();
    const summary = await syncWith(sim, single.db);
    expect(summary.status).toBe("succeeded");
    const stats = sim.stats();
    const after = await writeCounters(single.db, [...DATA_TABLES, "sync_watermarks"]);
    return { delta: counterDelta(before, after), stats };
  }

  function expectOnlyListingsAndPolls(stats: SimStats): void {
    const state = sim.state();
    const kinds = Object.keys(stats.byRouteKind).sort();
    expect(kinds.filter((k) => !["listUsers", "listChats", "getOperation"].includes(k))).toEqual(
      [],
    );
    expect(stats.byRouteKind.listUsers).toBe(1);
    const pages = state.users.reduce((n, u) => {
      const chats = state.chats.filter((c) => u.id in c.viewpoints).length;
      return n + Math.max(1, Math.ceil(chats / 50));
    }, 0);
    expect(stats.byRouteKind.listChats).toBe(pages);
    const pending = state.chats.flatMap((c) =>
      c.operations.filter((op) => PENDING_STATUSES.has(op.status)).map((op) => op.id),
    );
    expect(operationsPolled(stats)).toEqual([...pending].sort());
  }

  it("after the first run: pg_stat_user_tables shows 0 inserts, updates and deletes on every data table, and Graph saw only the listings and the pending operations' polls", async () => {
    const first = await writeCounters(single.db, DATA_TABLES);
    await syncWith(sim, single.db);
    const loaded = counterDelta(first, await writeCounters(single.db, DATA_TABLES));
    // The measurement sees the first run's writes: it can fail.
    expect(loaded.chats?.ins).toBe(sim.state().chats.length);
    expect(loaded.user_chats?.ins).toBeGreaterThan(0);

    const { delta, stats } = await rerun();
    expect(delta).toEqual({ ...ZERO, sync_watermarks: { ins: 0, upd: 0, del: 0 } });
    expectOnlyListingsAndPolls(stats);
    expect(stats.byRouteKind.getOperation ?? 0).toBeGreaterThan(0);
    expectWarehouse(await readWarehouse(single.db), expectedWarehouse(sim.state()));
  });

  it("after a day of changes (rename, membership of a large chat, message, leave, delete): the next run writes, the rerun writes 0 rows", async () => {
    const before = expectedWarehouse(sim.state());
    const state = sim.state();
    const users = new Set(state.users.map((u) => u.id));
    const groups = state.chats.filter(
      (c) =>
        c.chatType === "group" && c.members.length < 20 && Object.keys(c.viewpoints).length > 2,
    );
    const large = state.chats.find((c) => c.members.length > 30);
    const [renamed, left, deleted] = groups;
    if (!renamed || !left || !deleted || !large) throw new Error("tenant lacks chats");
    sim.advanceTime(DAY_MS);
    sim.tenant.renameChat(renamed.id, "Renamed today");
    sim.tenant.addMember(large.id, { external: "phoneUser" });
    const gone = large.members.find((m) => m.type === "aadUserConversationMember");
    if (gone && "userId" in gone) sim.tenant.removeMember(large.id, { membershipId: gone.id });
    sim.tenant.postMessage(left.id, { content: "hello" });
    const leaver = Object.keys(left.viewpoints).find((id) => users.has(id));
    if (leaver) sim.tenant.leaveChat(left.id, leaver);
    sim.tenant.deleteChat(deleted.id);

    const changed = await writeCounters(single.db, DATA_TABLES);
    sim.resetStats();
    const summary = await syncWith(sim, single.db);
    expect(summary.chatsMarkedDeleted).toBe(1);
    expect(chatsRequested(sim.stats(), "listMembers")).toEqual([large.id]);
    const wrote = counterDelta(changed, await writeCounters(single.db, DATA_TABLES));
    expect(wrote.chats?.upd).toBeGreaterThan(0);
    expect(wrote.chat_members?.ins).toBeGreaterThan(0);
    expect(wrote.user_chats?.upd).toBeGreaterThan(0);
    expect(wrote.message_previews?.ins).toBeGreaterThan(0);
    const expected = expectedWarehouse(sim.state(), { previous: before });
    expectWarehouse(await readWarehouse(single.db), expected);

    const { delta, stats } = await rerun();
    expect(delta).toEqual({ ...ZERO, sync_watermarks: { ins: 0, upd: 0, del: 0 } });
    expectOnlyListingsAndPolls(stats);
    expectWarehouse(await readWarehouse(single.db), expected);
  });
});
