/**
 * The messages stream end to end: a first run reads every chat's history, a night later
 * the users' changes bring new messages, edits, reactions added and removed and
 * deletions of old messages (whose chats' previews did not move), an expired delta link
 * falls back to a re-read that loses nothing, and a 403 for messages fails only that
 * stream. After each run the warehouse equals the simulator's ground truth.
 */
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import type { Simulator } from "../../src/sim/index.ts";
import type { RunSummary } from "../../src/sync/run-sync.ts";
import { messagesTruth, storedMessages } from "../support/messages-truth.ts";
import { syncWith, useSimWarehouse, useSimulators } from "../support/sim-warehouse.ts";

const warehouse = useSimWarehouse();
// A small tenant with small histories (the largest chat a few hundred messages).
const simulator = useSimulators({
  users: 8,
  seed: 3,
  messages: { perChat: 12, largestChat: 300, busyChats: 1 },
});

const DAY = 24 * 60 * 60 * 1000;
const WITH_MESSAGES = new Set(["chats", "members", "previews", "operations", "messages"] as const);

async function sync(sim: Simulator): Promise<RunSummary> {
  const summary = await syncWith(sim, warehouse.db, { streams: WITH_MESSAGES });
  expect(summary.fatal).toBeNull();
  return summary;
}

/** Messages requests of the last run, by route kind. */
function messageRequests(sim: Simulator): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of sim.stats().log) {
    if (/messages|Messages/.test(e.routeKind)) counts[e.routeKind] = (counts[e.routeKind] ?? 0) + 1;
  }
  return counts;
}

describe("the messages stream", () => {
  it("loads every message, then night after night what changed, old messages included", async () => {
    await warehouse.reset();
    const sim = await simulator();
    const first = await sync(sim);
    expect(first.status).toBe("succeeded");
    expect(first.messages).toBeGreaterThan(0);
    expect(await storedMessages(warehouse.db)).toEqual(messagesTruth(sim));

    // An unchanged night: one changes request per user, no history read, nothing written.
    sim.resetStats();
    const unchanged = await sync(sim);
    expect(unchanged.rowsWritten).toEqual({ inserted: 0, updated: 0 });
    const users = sim.state().users.length;
    expect(messageRequests(sim)).toEqual({ getAllMessagesDelta: users });

    // A day: posts, and edits, reactions and deletions of old messages.
    const activity = sim.tenant.simulateActivity({ ms: DAY, oldMessageChanges: 20 });
    expect(activity).toBeTruthy();
    const night = await sync(sim);
    expect(night.status).toBe("succeeded");
    expect(night.rowsWritten.inserted + night.rowsWritten.updated).toBeGreaterThan(0);
    expect(await storedMessages(warehouse.db)).toEqual(messagesTruth(sim));
  });

  it("falls back to a bounded re-read when a delta link has expired, losing nothing", async () => {
    await warehouse.reset();
    const sim = await simulator();
    await sync(sim);
    // Eight idle days: every stored delta link is past Graph's seven.
    sim.advanceTime(8 * DAY);
    sim.tenant.simulateActivity({ ms: 60_000, oldMessageChanges: 10 });
    sim.resetStats();
    const after = await sync(sim);
    expect(after.status).toBe("succeeded");
    const statuses = sim
      .stats()
      .log.filter((e) => e.routeKind === "getAllMessagesDelta")
      .map((e) => e.status);
    expect(statuses).toContain(410);
    expect(await storedMessages(warehouse.db)).toEqual(messagesTruth(sim));
    // The links are usable again: the next unchanged night costs one request per user.
    sim.resetStats();
    await sync(sim);
    expect(messageRequests(sim)).toEqual({ getAllMessagesDelta: sim.state().users.length });
  });

  it("fails only the messages stream, with one line naming what to grant, when Graph refuses messages (403)", async () => {
    await warehouse.reset();
    const sim = await simulator();
    sim.setFaults([{ kind: "protectedApi" }]);
    const summary = await sync(sim);
    expect(summary.status).toBe("partial");
    expect(summary.failures).toEqual([
      expect.objectContaining({
        stream: "messages",
        httpStatus: 403,
        error: expect.stringMatching(/Chat\.Read\.All.*protected APIs/),
      }),
    ]);
    // The other streams committed: chats and members are there.
    const { rows } = await sql<{ chats: number; messages: number }>`
      select (select count(*)::int from teams.chats) as chats,
             (select count(*)::int from teams.chat_messages) as messages`.execute(warehouse.db);
    expect(rows[0]?.chats).toBeGreaterThan(0);
    expect(rows[0]?.messages).toBe(0);
  });

  it("--chats refreshes only the named chats: the chat, its members, its messages", async () => {
    await warehouse.reset();
    const sim = await simulator();
    await sync(sim);
    const [target, other] = sim.state().chats.filter((c) => c.chatType === "group");
    if (!target || !other) throw new Error("two group chats needed");
    sim.tenant.renameChat(target.id, "Refreshed topic");
    sim.tenant.renameChat(other.id, "Not refreshed");
    const [message] = sim.messages(target.id).filter((m) => m.messageType === "message");
    if (!message) throw new Error("no message to edit");
    sim.tenant.editMessage(target.id, message.id);
    sim.resetStats();
    const summary = await syncWith(sim, warehouse.db, {
      streams: WITH_MESSAGES,
      chats: [target.id, "19:no-such-chat@thread.v2"],
      ignoreWatermarks: true,
    });
    expect(summary.status).toBe("partial");
    expect(summary.failures).toEqual([
      expect.objectContaining({ userId: "19:no-such-chat@thread.v2", httpStatus: 404 }),
    ]);
    const topics = await sql<{ chat_id: string; topic: string }>`
      select chat_id, topic from teams.chats where chat_id in (${target.id}, ${other.id})`.execute(
      warehouse.db,
    );
    expect(new Map(topics.rows.map((r) => [r.chat_id, r.topic]))).toEqual(
      new Map([
        [target.id, "Refreshed topic"],
        [other.id, other.topic],
      ]),
    );
    const stored = (await storedMessages(warehouse.db)).filter((m) => m.chat_id === target.id);
    expect(stored).toEqual(messagesTruth(sim).filter((m) => m.chat_id === target.id));
    // No listing was read: nothing of any user, no deletion sweep.
    const kinds = new Set(sim.stats().log.map((e) => e.routeKind));
    expect(kinds.has("listChats")).toBe(false);
    expect(summary.chatsMarkedDeleted).toBe(0);
  });
});
