/**
 * Bad input. What the simulator can serve (odd strings in topics, messages and names,
 * NUL, lone surrogates, a 1 MB topic) goes through the whole pipeline and must equal the
 * ground truth, with NUL and lone surrogates as U+FFFD (src/normalize/chat.ts). Shapes the
 * simulator cannot serve (no id, wrong types, unknown enum values and @odata.type, the same
 * chat twice) are built from the doc fixtures in test/fixtures/graph and go through the
 * normalizer and loadListing: rejected items land in teams.sync_rejects with their raw
 * JSON, the valid ones are stored.
 */
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { startRun } from "../../src/load/index.ts";
import { loadListing, type ListingInput } from "../load/fixtures.ts";
import { normalizeListedChat } from "../../src/normalize/index.ts";
import type { ListedChat, Rejected } from "../../src/normalize/rows.ts";
import { readFixture } from "../normalize/fixture-files.ts";
import { expectedWarehouse } from "../support/expected-warehouse.ts";
import { expectWarehouse, syncTuned } from "../support/fault-harness.ts";
import { useSimWarehouse, useSimulators } from "../support/sim-warehouse.ts";
import { readWarehouse, type WarehouseSnapshot } from "../support/warehouse-snapshot.ts";

const warehouse = useSimWarehouse();
const simulator = useSimulators();

/** What the normalizer promises to make of NUL and lone surrogates, applied to the expectation. */
function asStored<T>(value: T): T {
  const fix = (s: string): string =>
    s
      .replaceAll(String.fromCharCode(0), "\ufffd")
      .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return fix(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object")
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [fix(k), walk(x)]));
    return v;
  };
  return walk(value) as T;
}

describe("odd strings served by the simulator", () => {
  it("SQL-looking, NUL, lone-surrogate, emoji and 1 MB strings in topics, messages and names are stored as data", async () => {
    await warehouse.reset();
    const sim = await simulator({
      extraUsers: [
        {
          id: "00000000-0000-4000-8000-0000000000b1",
          displayName: "Robert'); DROP TABLE teams.chat_members;--",
        },
      ],
    });
    const groups = sim.state().chats.filter((c) => c.chatType === "group");
    const [g1, g2, g3, g4] = groups;
    if (!g1 || !g2 || !g3 || !g4) throw new Error("not enough group chats");
    const bigTopic = "x".repeat(1024 * 1024);
    sim.tenant.renameChat(g1.id, "'); DROP TABLE teams.chats; --");
    sim.tenant.renameChat(g2.id, "nul\u0000inside and a lone \ud800 surrogate");
    sim.tenant.renameChat(g3.id, bigTopic);
    sim.tenant.postMessage(g4.id, { content: "<script>alert(1)</script> \u0000 😀 \\u0000 $1 %s" });
    sim.tenant.addMember(g4.id, { userId: "00000000-0000-4000-8000-0000000000b1" });

    const summary = await syncTuned(sim, warehouse.db);
    expect(summary.status, JSON.stringify(summary.failures)).toBe("succeeded");
    const actual = await readWarehouse(warehouse.db);
    const expected: WarehouseSnapshot = asStored(expectedWarehouse(sim.state()));
    expectWarehouse(actual, expected);
    const topic = (id: string) => actual.chats.find((c) => c.chat_id === id)?.topic;
    expect(topic(g1.id)).toBe("'); DROP TABLE teams.chats; --");
    expect(topic(g2.id)).toBe("nul\ufffdinside and a lone \ufffd surrogate");
    expect(topic(g3.id)?.length).toBe(bigTopic.length);
    expect(
      actual.chat_members.some(
        (m) => m.display_name === "Robert'); DROP TABLE teams.chat_members;--",
      ),
    ).toBe(true);
  });
});

describe("shapes only fixtures can carry, through normalize + loadListing", () => {
  const fixture = readFixture("list-chats-expand-members.json") as {
    value: Record<string, unknown>[];
  };
  const [base, second] = fixture.value;
  if (!base || !second) throw new Error("fixture without two chats");
  const userId = "fixture-user";

  async function load(items: readonly unknown[]): Promise<{ runId: number; rejects: Rejected[] }> {
    const chats = new Map<string, ListedChat>();
    const rejects: Rejected[] = [];
    for (const item of items) {
      const result = normalizeListedChat(item, userId);
      if (result.ok) chats.set(result.value.chat.chat_id, result.value);
      else rejects.push(result.rejected);
    }
    const { runId } = await startRun(warehouse.db, { trigger: "manual", streams: ["chats"] });
    const input: ListingInput = {
      runId,
      userId,
      seenAt: new Date(),
      chats: [...chats.values()],
      completeMembers: new Map(),
      operations: [],
      rejects,
    };
    await loadListing(warehouse.db, input);
    return { runId, rejects };
  }

  it("a chat without id, with a null id or a numeric id is rejected into sync_rejects with its raw JSON; valid chats are stored", async () => {
    await warehouse.reset();
    const { id: _drop, ...noId } = base;
    const items = [noId, { ...base, id: null }, { ...second, id: 42 }, base, second];
    const { runId, rejects } = await load(items);
    expect(rejects).toHaveLength(3);
    const { rows } = await sql<{ kind: string; reason: string; raw: unknown; user_id: string }>`
      select kind, reason, raw, user_id from teams.sync_rejects where run_id = ${runId} order by id`.execute(
      warehouse.db,
    );
    expect(rows.map((r) => r.kind)).toEqual(["chat", "chat", "chat"]);
    expect(rows.every((r) => r.user_id === userId && /id/.test(r.reason))).toBe(true);
    expect(rows[0]?.raw).toMatchObject({ topic: base.topic, chatType: base.chatType });
    expect(rows[0]?.raw).not.toHaveProperty("id");
    expect(rows[2]?.raw).toMatchObject({ id: 42, topic: second.topic });
    const stored = await warehouse.db
      .selectFrom("teams.chats")
      .select("chat_id")
      .orderBy("chat_id")
      .execute();
    expect(stored.map((r) => r.chat_id)).toEqual([String(base.id), String(second.id)].sort());
  });

  it("wrong types degrade to NULL, unknown enum values and @odata.type are kept as text, raw keeps what Graph sent", async () => {
    await warehouse.reset();
    const members = Array.isArray(base.members) ? (base.members as Record<string, unknown>[]) : [];
    const odd = {
      ...base,
      topic: 123,
      chatType: "superGroupFromTheFuture",
      isHiddenForAllMembers: "yes",
      createdDateTime: "not a date",
      members: [
        ...members,
        {
          "@odata.type": "#microsoft.graph.holographicConversationMember",
          id: "holo-1",
          displayName: "Hologram",
          roles: [],
        },
      ],
    };
    const { rejects } = await load([odd]);
    expect(rejects).toEqual([]);
    const chat = await warehouse.db.selectFrom("teams.chats").selectAll().executeTakeFirstOrThrow();
    expect(chat).toMatchObject({
      chat_id: base.id,
      topic: null,
      chat_type: "superGroupFromTheFuture",
      is_hidden_for_all_members: null,
      created_at: null,
    });
    expect(chat.raw).toMatchObject({
      topic: 123,
      isHiddenForAllMembers: "yes",
      createdDateTime: "not a date",
    });
    const holo = await warehouse.db
      .selectFrom("teams.chat_members")
      .select(["member_type", "display_name"])
      .where("membership_id", "=", "holo-1")
      .executeTakeFirst();
    expect(holo).toEqual({
      member_type: "holographicConversationMember",
      display_name: "Hologram",
    });
  });

  it("the same chat twice in one listing (as across two pages) is stored once, the later copy winning", async () => {
    await warehouse.reset();
    const renamed = { ...base, topic: "second copy" };
    // As the orchestrator does (src/sync/sync-user.ts: keyed by chat id, last one wins)...
    await load([base, renamed]);
    const rows = await warehouse.db
      .selectFrom("teams.chats")
      .select(["chat_id", "topic"])
      .execute();
    expect(rows).toEqual([{ chat_id: base.id, topic: "second copy" }]);
    const viewpoints = await warehouse.db
      .selectFrom("teams.user_chats")
      .select("chat_id")
      .execute();
    expect(viewpoints).toHaveLength(1);
  });

  it("the loader itself tolerates the same chat twice in one load (a caller that does not dedupe)", async () => {
    await warehouse.reset();
    const a = normalizeListedChat(base, userId);
    const b = normalizeListedChat({ ...base, topic: "second copy" }, userId);
    if (!a.ok || !b.ok) throw new Error("fixture chat rejected");
    const { runId } = await startRun(warehouse.db, { trigger: "manual", streams: ["chats"] });
    await loadListing(warehouse.db, {
      runId,
      userId,
      seenAt: new Date(),
      chats: [a.value, b.value],
      completeMembers: new Map(),
      operations: [],
      rejects: [],
    });
    const rows = await warehouse.db.selectFrom("teams.chats").select("chat_id").execute();
    expect(rows).toHaveLength(1);
  });
});
