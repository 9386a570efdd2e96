/**
 * Timestamps that make change detection hard: many chats sharing one lastUpdatedDateTime,
 * a change visible only in the 7th fractional digit (Postgres keeps 6), and the listing
 * showing lastUpdatedDateTime earlier than the truth (list-vs-get skew). None may cause a
 * missed change: the large chat's members (which only GET /members completes) must follow.
 */
import { describe, expect, it } from "vitest";
import type { SimChatState, Simulator } from "../../src/sim/index.ts";
import { expectedWarehouse } from "../support/expected-warehouse.ts";
import { pgInstant } from "../support/pg-instant.ts";
import {
  DAY_MS,
  asListedWithSkew,
  chatsRequested,
  expectWarehouse,
  readWatermarks,
  setLastUpdated,
} from "../support/scenario.ts";
import { syncWith, useSimWarehouse, useSimulators } from "../support/sim-warehouse.ts";
import { readWarehouse, type WarehouseSnapshot } from "../support/warehouse-snapshot.ts";

const warehouse = useSimWarehouse();
const simulator = useSimulators();

function largeChats(sim: Simulator): SimChatState[] {
  return sim.state().chats.filter((c) => c.members.length > 25);
}

/** A member of the chat that can be removed (not the last tenant user). */
function removable(chat: SimChatState): string {
  const member = chat.members.find((m) => m.type !== "aadUserConversationMember");
  if (!member) throw new Error(`chat ${chat.id} has no external member`);
  return member.id;
}

describe("equal and 100 ns apart lastUpdatedDateTime values", () => {
  it("with many chats sharing the watermark's exact value, a chat that moves onto that value still gets its members refetched (lookback 0)", async () => {
    await warehouse.reset();
    const sim = await simulator();
    const shared = "2024-06-10T12:00:00.1234567Z";
    const [large, other] = largeChats(sim);
    if (!large || !other) throw new Error("tenant lacks large chats");
    const chats = sim.state().chats;
    for (const chat of chats)
      setLastUpdated(sim, chat.id, chat.id === large.id ? "2024-06-10T11:59:59.9Z" : shared);
    expect(chats.filter((c) => c.id !== large.id).length).toBeGreaterThan(40);

    await syncWith(sim, warehouse.db, { lookbackMs: 0 });
    const first = expectedWarehouse(sim.state());
    expectWarehouse(await readWarehouse(warehouse.db), first, "first run");
    const marks = await readWatermarks(warehouse.db);
    expect(new Set(marks.values())).toEqual(new Set([shared]));

    // Unchanged, every chat at the watermark: nothing is refetched.
    sim.resetStats();
    await syncWith(sim, warehouse.db, { lookbackMs: 0 });
    expect(chatsRequested(sim.stats(), "listMembers", "listOperations")).toEqual([]);

    // The large chat's membership changes and Graph stamps it with the shared value.
    const gone = removable(large);
    sim.tenant.removeMember(large.id, { membershipId: gone });
    setLastUpdated(sim, large.id, shared);
    sim.resetStats();
    await syncWith(sim, warehouse.db, { lookbackMs: 0 });
    expect(chatsRequested(sim.stats(), "listMembers")).toEqual([large.id]);
    const actual = await readWarehouse(warehouse.db);
    expectWarehouse(actual, expectedWarehouse(sim.state(), { previous: first }), "after");
    expect(
      actual.chat_members.find((m) => m.chat_id === large.id && m.membership_id === gone)?.removed,
    ).toBe(true);
  });

  it("a change visible only in the 7th fractional digit (same microsecond in Postgres) is detected, stored raw, and moves the watermark", async () => {
    await warehouse.reset();
    const sim = await simulator();
    const [large] = largeChats(sim);
    if (!large) throw new Error("tenant lacks a large chat");
    const before = "2024-06-10T12:00:00.1234561Z";
    const after = "2024-06-10T12:00:00.1234562Z";
    expect(pgInstant(before)).toBe(pgInstant(after));
    setLastUpdated(sim, large.id, before);

    await syncWith(sim, warehouse.db, { lookbackMs: 0 });
    const first = expectedWarehouse(sim.state());
    expectWarehouse(await readWarehouse(warehouse.db), first, "first run");
    const users = Object.keys(large.viewpoints).filter((id) =>
      sim.state().users.some((u) => u.id === id),
    );
    const marksBefore = await readWatermarks(warehouse.db);
    for (const u of users) expect(marksBefore.get(`members ${u}`), u).toBe(before);

    const gone = removable(large);
    sim.tenant.removeMember(large.id, { membershipId: gone });
    const added = sim.tenant.addMember(large.id, { external: "skypeUser" });
    setLastUpdated(sim, large.id, after);
    sim.resetStats();
    await syncWith(sim, warehouse.db, { lookbackMs: 0 });
    expect(chatsRequested(sim.stats(), "listMembers")).toEqual([large.id]);
    const actual = await readWarehouse(warehouse.db);
    expectWarehouse(actual, expectedWarehouse(sim.state(), { previous: first }), "after");
    const row = actual.chats.find((c) => c.chat_id === large.id);
    expect(row?.last_updated_raw).toBe(after);
    expect(row?.last_updated_at).toBe(
      first.chats.find((c) => c.chat_id === large.id)?.last_updated_at,
    );
    const members = actual.chat_members.filter((m) => m.chat_id === large.id);
    expect(members.find((m) => m.membership_id === gone)?.removed).toBe(true);
    expect(members.find((m) => m.membership_id === added.id)?.removed).toBe(false);
    const marksAfter = await readWatermarks(warehouse.db);
    for (const u of users) expect(marksAfter.get(`members ${u}`), u).toBe(after);
  });
});

describe("list-vs-get lastUpdatedDateTime skew", () => {
  it("a listing up to 50 minutes behind the truth (below the 60-minute lookback) never hides a change to a large chat's members", async () => {
    await warehouse.reset();
    const skewMs = 50 * 60 * 1000;
    const sim = await simulator();
    const state0 = sim.state();
    const tenantUsers = new Set(state0.users.map((u) => u.id));
    const large = state0.chats.filter((c) => c.members.length > 25);
    const small = state0.chats.filter(
      (c) =>
        c.chatType === "group" && c.members.length < 20 && Object.keys(c.viewpoints).length > 1,
    );
    expect(large.length).toBeGreaterThanOrEqual(3);

    // First run without the quirk, then switch it on: every listed value jumps back.
    await syncWith(sim, warehouse.db);
    let previous: WarehouseSnapshot = expectedWarehouse(sim.state());
    sim.setListLastUpdatedSkew(skewMs);
    await syncWith(sim, warehouse.db);
    previous = asListedWithSkew(expectedWarehouse(sim.state(), { previous }), skewMs);
    expectWarehouse(await readWarehouse(warehouse.db), previous, "skew switched on");

    for (let round = 0; round < 4; round++) {
      sim.advanceTime(round === 0 ? DAY_MS : 60_000);
      // A small chat changes just before the run, so the watermarks are as new as can be...
      const recent = small[round % small.length];
      if (!recent) throw new Error("no small chat");
      sim.tenant.renameChat(recent.id, `Round ${round}`);
      await syncWith(sim, warehouse.db);
      previous = asListedWithSkew(expectedWarehouse(sim.state(), { previous }), skewMs);
      // ...and a large chat's membership changes a millisecond after it.
      sim.advanceTime(1);
      const chat = large[round % large.length];
      if (!chat) throw new Error("no large chat");
      const current = sim.tenant.chat(chat.id);
      const tenantMember = current?.members.find(
        (m) => m.type === "aadUserConversationMember" && tenantUsers.has(m.userId),
      );
      if (round % 2 === 0 && tenantMember)
        sim.tenant.removeMember(chat.id, { membershipId: tenantMember.id });
      else sim.tenant.addMember(chat.id, { external: "phoneUser" });
      sim.resetStats();
      await syncWith(sim, warehouse.db);
      expect(chatsRequested(sim.stats(), "listMembers"), `round ${round}`).toContain(chat.id);
      previous = asListedWithSkew(expectedWarehouse(sim.state(), { previous }), skewMs);
      expectWarehouse(await readWarehouse(warehouse.db), previous, `round ${round}`);
    }
    // The warehouse holds what the listing showed, not the exact value.
    const row = (await readWarehouse(warehouse.db)).chats.find((c) => c.chat_id === large[0]?.id);
    expect(row?.last_updated_raw).not.toBe(
      sim.tenant.chat(large[0]?.id ?? "")?.lastUpdatedDateTime,
    );
  });
});
