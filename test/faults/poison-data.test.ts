/**
 * Poison data: what Graph sends (or what Postgres refuses) about one user, member or chat
 * fails that item only. The run goes on, the item is dead-lettered with the reason, the
 * valid chats of the same page are stored, and a rerun does the same instead of failing.
 */
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { MAX_ID_LENGTH } from "../../src/normalize/index.ts";
import { expectedWarehouse } from "../support/expected-warehouse.ts";
import { syncWith, useSimWarehouse, useSimulators } from "../support/sim-warehouse.ts";
import { expectWarehouse, readWarehouse } from "../support/warehouse-snapshot.ts";

const warehouse = useSimWarehouse();
const simulator = useSimulators();

const LONG_ID = `00000000-0000-4000-8000-${"9".repeat(10_000)}`;

interface RejectRow {
  kind: string;
  reason: string;
}

async function rejects(runId: number | null): Promise<RejectRow[]> {
  const { rows } = await sql<RejectRow>`
    select kind, reason from teams.sync_rejects where run_id = ${runId ?? -1}
    order by kind, reason`.execute(warehouse.db);
  return rows;
}

describe("identifiers longer than Graph ever sends", () => {
  it("dead-letters the user and the member with a 10,000-character id; everything else is stored, run after run", async () => {
    await warehouse.reset();
    const sim = await simulator({ extraUsers: [{ id: LONG_ID, displayName: "Long" }] });
    const group = sim
      .state()
      .chats.find(
        (c) =>
          c.chatType === "group" && !c.members.some((m) => "userId" in m && m.userId === LONG_ID),
      );
    if (!group) throw new Error("no group chat without the long-id user");
    sim.tenant.addMember(group.id, { userId: LONG_ID });

    for (let run = 1; run <= 2; run++) {
      const summary = await syncWith(sim, warehouse.db);
      expect(summary.status, `run ${run}: ${summary.fatal}`).toBe("succeeded");
      const reasons = await rejects(summary.runId);
      expect(reasons.map((r) => r.kind)).toContain("user");
      expect(reasons.map((r) => r.kind)).toContain("chat");
      for (const r of reasons) expect(r.reason).toMatch(/longer than any Graph id/);
      if (run === 1) expect(reasons.map((r) => r.kind)).toContain("member");
    }
    // The warehouse is the ground truth without the poisoned user and membership, and
    // without the one-on-one chats whose ids embed the long user id (rejected as chats).
    const state = sim.state();
    const users = state.users.map((u) => u.id).filter((id) => id !== LONG_ID);
    const expected = expectedWarehouse(state, { users });
    const keep = (chatId: string): boolean => chatId.length <= MAX_ID_LENGTH;
    expect(expected.chats.some((c) => !keep(c.chat_id))).toBe(true);
    expected.chats = expected.chats.filter((c) => keep(c.chat_id));
    expected.chat_members = expected.chat_members.filter(
      (m) => m.user_id !== LONG_ID && keep(m.chat_id),
    );
    expected.user_chats = expected.user_chats.filter((v) => keep(v.chat_id));
    expected.message_previews = expected.message_previews.filter((p) => keep(p.chat_id));
    expected.chat_operations = expected.chat_operations.filter((o) => keep(o.chat_id));
    expectWarehouse(await readWarehouse(warehouse.db), expected);
  });
});

describe("a row Postgres refuses", () => {
  it("leaves out only that chat (dead-lettered with Postgres' reason, its claimant partial); the other chats of its page commit", async () => {
    await warehouse.reset();
    const sim = await simulator();
    const state = sim.state();
    const victim = state.chats.find((c) => c.chatType === "group");
    if (!victim) throw new Error("no group chat");
    // A data exception (SQLSTATE class 22) for that one chat's row, as a value no column
    // can hold would raise.
    await sql`create function teams.refuse_chat() returns trigger language plpgsql as $$
      begin
        if new.chat_id = ${sql.lit(victim.id)} then
          raise exception 'value out of range for the victim' using errcode = '22003';
        end if;
        return new;
      end $$`.execute(warehouse.db);
    await sql`create trigger refuse before insert or update on teams.chats
      for each row execute function teams.refuse_chat()`.execute(warehouse.db);
    try {
      const summary = await syncWith(sim, warehouse.db);
      expect(summary.status, String(summary.fatal)).toBe("partial");
      expect(summary.failures).toEqual([
        expect.objectContaining({
          stream: "chats",
          error: expect.stringMatching(new RegExp(`^chat ${victim.id}: .*victim`)),
        }),
      ]);
      const reasons = await rejects(summary.runId);
      expect(reasons).toEqual([
        { kind: "chat", reason: expect.stringMatching(/value out of range for the victim/) },
      ]);
      const actual = await readWarehouse(warehouse.db);
      const expected = expectedWarehouse(state);
      expect(actual.chats.map((c) => c.chat_id).sort()).toEqual(
        expected.chats
          .map((c) => c.chat_id)
          .filter((id) => id !== victim.id)
          .sort(),
      );
      expect(actual.chat_members.filter((m) => m.chat_id === victim.id)).toEqual([]);
    } finally {
      await sql`drop trigger refuse on teams.chats`.execute(warehouse.db);
      await sql`drop function teams.refuse_chat()`.execute(warehouse.db);
    }
    // Once Postgres takes the row again, a rerun converges.
    const rerun = await syncWith(sim, warehouse.db);
    expect(rerun.status).toBe("succeeded");
    expectWarehouse(await readWarehouse(warehouse.db), expectedWarehouse(sim.state()));
  });
});
