/**
 * Five simulated days of a tenant that keeps changing, synced once a day: after every run
 * the WHOLE warehouse is compared with the expectation computed from the simulator's
 * ground truth (carrying forward what is gone, marked removed or deleted), the run's
 * status is checked, and no watermark may move backwards.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimChatState, SimState, SimStats, Simulator } from "../../src/sim/index.ts";
import { startSimulator } from "../../src/sim/index.ts";
import type { RunSummary } from "../../src/sync/run-sync.ts";
import { expectedWarehouse } from "../support/expected-warehouse.ts";
import {
  DAY_MS,
  PENDING_STATUSES,
  chatsRequested,
  expectWarehouse,
  expectWatermarksNotBehind,
  operationsPolled,
  readWatermarks,
  withFailedUsers,
} from "../support/scenario.ts";
import { SMALL_TENANT, syncWith, useSimWarehouse } from "../support/sim-warehouse.ts";
import { readWarehouse, type WarehouseSnapshot } from "../support/warehouse-snapshot.ts";

const warehouse = useSimWarehouse();

/** Graph's `$expand=members` cap (docs/graph.md). */
const EXPANSION_CAP = 25;

interface Cast {
  /** Renamed on day 1 and day 5. */
  renamed: SimChatState;
  /** Gets messages on days 1 and 2 (previews accumulate). */
  messaged: SimChatState;
  /** Small group: `joiner` is added (day 1), removed (day 2), re-added (day 3). */
  group: SimChatState;
  joiner: string;
  /** `leaver` hides and reads it (day 1), then leaves it (day 3). */
  left: SimChatState;
  leaver: string;
  /** More than 25 members: membership changes on day 3 (GET /members path). */
  large: SimChatState;
  /** Deleted on day 4, while `failing`'s listing fails; marked deleted on day 5. */
  deleted: SimChatState;
  failing: string;
  /** An inProgress operation with no plan: succeeded on day 2. */
  operation: { chatId: string; id: string };
}

describe("a tenant synced once a day for five simulated days", () => {
  let sim: Simulator;
  let cast: Cast;
  /** The expectation after the previous day's run. */
  let previous: WarehouseSnapshot;

  /** Advances a day, runs, and checks the whole warehouse, the run and the watermarks. */
  async function day(
    label: string,
    expectation: (state: SimState) => WarehouseSnapshot,
    status: RunSummary["status"] = "succeeded",
  ): Promise<{ summary: RunSummary; stats: SimStats; actual: WarehouseSnapshot; state: SimState }> {
    sim.advanceTime(DAY_MS);
    const marksBefore = await readWatermarks(warehouse.db);
    sim.resetStats();
    const summary = await syncWith(sim, warehouse.db);
    const stats = sim.stats();
    const state = sim.state();
    const actual = await readWarehouse(warehouse.db);
    const expected = expectation(state);
    expectWarehouse(actual, expected, label);
    const run = await warehouse.db
      .selectFrom("teams.sync_runs")
      .select(["status", "finished_at", "users_total"])
      .where("run_id", "=", summary.runId ?? -1)
      .executeTakeFirstOrThrow();
    expect({ status: run.status, finished: run.finished_at !== null }, label).toEqual({
      status,
      finished: true,
    });
    expect(summary.status, label).toBe(status);
    expectWatermarksNotBehind(marksBefore, await readWatermarks(warehouse.db), label);
    previous = expected;
    return { summary, stats, actual, state };
  }

  beforeAll(async () => {
    await warehouse.reset();
    sim = await startSimulator({ ...SMALL_TENANT, rateScale: 0 });
    const state = sim.state();
    const tenantUsers = new Set(state.users.map((u) => u.id));
    const tenantMembers = (chat: SimChatState) =>
      Object.keys(chat.viewpoints).filter((id) => tenantUsers.has(id));
    const smallGroups = state.chats.filter(
      (c) => c.chatType === "group" && c.members.length < EXPANSION_CAP - 5,
    );
    const [renamed, group, left, deleted] = smallGroups.filter((c) => tenantMembers(c).length >= 3);
    const large = state.chats.find((c) => c.members.length > EXPANSION_CAP + 5);
    const messaged = state.chats.find(
      (c) => c.lastMessagePreview && ![renamed, group, left, deleted, large].includes(c),
    );
    // An operation that nothing but a poll will see end: inProgress and without a plan
    // (the generator's planned ones all end within minutes of simulated time).
    sim.advanceTime(DAY_MS);
    const later = sim.state();
    const pendingChat = later.chats.find((c) =>
      c.operations.some((op) => op.status === "inProgress"),
    );
    const pendingOp = pendingChat?.operations.find((op) => op.status === "inProgress");
    if (
      !renamed ||
      !group ||
      !left ||
      !deleted ||
      !large ||
      !messaged ||
      !pendingChat ||
      !pendingOp
    )
      throw new Error("the tenant lacks the chats this scenario needs");
    const joiner = state.users.find((u) => !(u.id in group.viewpoints))?.id;
    const leaver = tenantMembers(left)[1];
    const failing = tenantMembers(deleted)[0];
    if (!joiner || !leaver || !failing) throw new Error("the tenant lacks the users needed");
    cast = {
      renamed,
      messaged,
      group,
      joiner,
      left,
      leaver,
      large,
      deleted,
      failing,
      operation: { chatId: pendingChat.id, id: pendingOp.id },
    };
    await warehouse.reset();
  });
  afterAll(async () => {
    await sim.close();
  });

  it("day 0: the first run loads the ground truth and polls the pending operation", async () => {
    const { stats } = await day("day 0", (state) => expectedWarehouse(state));
    expect(previous.chats.length).toBeGreaterThan(40);
    expect(operationsPolled(stats)).toEqual([]);
    const op = previous.chat_operations.find((o) => o.operation_id === cast.operation.id);
    expect(op?.status).toBe("inProgress");
  });

  it("day 1: a rename, a new member, a new message, a chat hidden and read are all loaded; no GET /members is needed", async () => {
    const before = previous;
    sim.tenant.renameChat(cast.renamed.id, "Day 1 topic");
    sim.tenant.addMember(cast.group.id, { userId: cast.joiner });
    const oldPreview = sim.tenant.chat(cast.messaged.id)?.lastMessagePreview?.id;
    const lastUpdated = sim.tenant.chat(cast.messaged.id)?.lastUpdatedDateTime;
    const posted = sim.tenant.postMessage(cast.messaged.id, { content: "day 1 message" });
    sim.tenant.setHidden(cast.left.id, cast.leaver, true);
    sim.tenant.markRead(cast.left.id, cast.leaver);

    const { actual, stats, state } = await day("day 1", (s) =>
      expectedWarehouse(s, { previous: before }),
    );
    // A new message moves the preview, never lastUpdatedDateTime, yet the chat follows it.
    expect(state.chats.find((c) => c.id === cast.messaged.id)?.lastUpdatedDateTime).toBe(
      lastUpdated,
    );
    const messaged = actual.chats.find((c) => c.chat_id === cast.messaged.id);
    expect(messaged?.last_message_id).toBe(posted.id);
    expect(messaged?.last_message_at).not.toBe(
      before.chats.find((c) => c.chat_id === cast.messaged.id)?.last_message_at,
    );
    expect(
      actual.message_previews
        .filter((p) => p.chat_id === cast.messaged.id)
        .map((p) => p.message_id),
    ).toEqual(expect.arrayContaining([oldPreview, posted.id]));
    const joined = actual.chat_members.find(
      (m) => m.chat_id === cast.group.id && m.user_id === cast.joiner,
    );
    expect(joined?.removed).toBe(false);
    const viewpoint = actual.user_chats.find(
      (r) => r.chat_id === cast.left.id && r.user_id === cast.leaver,
    );
    expect(viewpoint?.is_hidden).toBe(true);
    expect(viewpoint?.last_message_read_at).not.toBeNull();
    expect(chatsRequested(stats, "listMembers")).toEqual([]);
    // The operation that had not ended was polled, by id.
    expect(operationsPolled(stats)).toContain(cast.operation.id);
  });

  it("day 2: the member removed gets removed_at (and the chat leaves their list), the operation that succeeded is stored, previews accumulate", async () => {
    const before = previous;
    sim.tenant.removeMember(cast.group.id, { userId: cast.joiner });
    sim.tenant.progressOperation(cast.operation.chatId, cast.operation.id, "succeeded");
    const posted = sim.tenant.postMessage(cast.messaged.id, { content: "day 2 message" });

    const { actual, stats } = await day("day 2", (s) => expectedWarehouse(s, { previous: before }));
    const membership = actual.chat_members.find(
      (m) => m.chat_id === cast.group.id && m.user_id === cast.joiner,
    );
    expect(membership?.removed).toBe(true);
    expect(
      actual.user_chats.find((r) => r.chat_id === cast.group.id && r.user_id === cast.joiner)
        ?.removed,
    ).toBe(true);
    expect(operationsPolled(stats)).toContain(cast.operation.id);
    expect(actual.chat_operations.find((o) => o.operation_id === cast.operation.id)?.status).toBe(
      "succeeded",
    );
    const previews = actual.message_previews.filter((p) => p.chat_id === cast.messaged.id);
    // The generated preview, day 1's and day 2's.
    expect(previews.length).toBeGreaterThanOrEqual(3);
    expect(actual.chats.find((c) => c.chat_id === cast.messaged.id)?.last_message_id).toBe(
      posted.id,
    );
  });

  it("day 3: the member re-added has removed_at cleared, the leaver keeps their last viewpoint, the large chat's members come from GET /members, the ended operation is not polled", async () => {
    const before = previous;
    sim.tenant.addMember(cast.group.id, { userId: cast.joiner });
    const lastViewpoint = before.user_chats.find(
      (r) => r.chat_id === cast.left.id && r.user_id === cast.leaver,
    );
    sim.tenant.leaveChat(cast.left.id, cast.leaver);
    const largeNow = sim.tenant.chat(cast.large.id);
    const gone = largeNow?.members.find((m) => m.type !== "aadUserConversationMember");
    if (!gone) throw new Error("the large chat has no external member");
    sim.tenant.removeMember(cast.large.id, { membershipId: gone.id });
    const added = sim.tenant.addMember(cast.large.id, { external: "anonymousGuest" });

    const { actual, stats } = await day("day 3", (s) => expectedWarehouse(s, { previous: before }));
    const rejoined = actual.chat_members.filter(
      (m) => m.chat_id === cast.group.id && m.user_id === cast.joiner,
    );
    expect(rejoined.map((m) => m.removed)).toEqual([false]);
    expect(
      actual.user_chats.find((r) => r.chat_id === cast.group.id && r.user_id === cast.joiner)
        ?.removed,
    ).toBe(false);
    expect(lastViewpoint?.is_hidden).toBe(true);
    expect(
      actual.user_chats.find((r) => r.chat_id === cast.left.id && r.user_id === cast.leaver),
    ).toEqual({ ...lastViewpoint, removed: true });
    expect(chatsRequested(stats, "listMembers")).toEqual([cast.large.id]);
    const large = actual.chat_members.filter((m) => m.chat_id === cast.large.id);
    expect(large.find((m) => m.membership_id === gone.id)?.removed).toBe(true);
    expect(large.find((m) => m.membership_id === added.id)?.removed).toBe(false);
    expect(operationsPolled(stats)).not.toContain(cast.operation.id);
  });

  it("day 4: a chat deleted while one of its users' listing fails is NOT marked deleted, and that user's rows and watermarks stay", async () => {
    const before = previous;
    const watermarksBefore = await readWatermarks(warehouse.db);
    sim.tenant.deleteChat(cast.deleted.id);
    sim.setFaults([
      { kind: "userError", status: 403, users: [cast.failing], routes: ["listChats"] },
    ]);
    const others = sim
      .state()
      .users.map((u) => u.id)
      .filter((id) => id !== cast.failing);

    const { actual, summary } = await day(
      "day 4",
      (s) =>
        withFailedUsers(expectedWarehouse(s, { users: others, previous: before }), before, [
          cast.failing,
        ]),
      "partial",
    );
    sim.setFaults([]);
    expect(summary.chatsMarkedDeleted).toBe(0);
    expect(actual.chats.find((c) => c.chat_id === cast.deleted.id)?.deleted).toBe(false);
    const rows = actual.user_chats.filter((r) => r.chat_id === cast.deleted.id);
    expect(rows.filter((r) => !r.removed).map((r) => r.user_id)).toEqual([cast.failing]);
    expect(rows.length).toBeGreaterThan(1);
    expect(summary.failures.map((f) => ({ userId: f.userId, status: f.httpStatus }))).toEqual([
      { userId: cast.failing, status: 403 },
    ]);
    const after = await readWatermarks(warehouse.db);
    const ofFailing = (m: Map<string, string>) =>
      [...m].filter(([key]) => key.endsWith(` ${cast.failing}`));
    expect(ofFailing(after)).toEqual(ofFailing(watermarksBefore));
    expect(ofFailing(after).length).toBe(4);
  });

  it("day 5: once that user is listed in full again, the chat gets deleted_at", async () => {
    const before = previous;
    sim.tenant.renameChat(cast.renamed.id, "Day 5 topic");
    const { actual, summary } = await day("day 5", (s) =>
      expectedWarehouse(s, { previous: before }),
    );
    expect(summary.chatsMarkedDeleted).toBe(1);
    expect(actual.chats.find((c) => c.chat_id === cast.deleted.id)?.deleted).toBe(true);
    expect(
      actual.user_chats.filter((r) => r.chat_id === cast.deleted.id).every((r) => r.removed),
    ).toBe(true);
    expect(actual.chats.find((c) => c.chat_id === cast.renamed.id)?.topic).toBe("Day 5 topic");
    // Nothing pending is left, so nothing is polled.
    const pending = sim
      .state()
      .chats.flatMap((c) => c.operations)
      .filter((op) => PENDING_STATUSES.has(op.status));
    expect(pending.map((op) => op.id)).not.toContain(cast.operation.id);
  });
});
