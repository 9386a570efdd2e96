/**
 * The core pipeline end to end: `runSync` against the Graph simulator into a real,
 * migrated Postgres, with every data table compared row by row with the expectation
 * computed from the simulator's ground truth (test/support/expected-warehouse.ts).
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimChatState, SimState, SimStats, Simulator } from "../../src/sim/index.ts";
import { startSimulator } from "../../src/sim/index.ts";
import type { RunSummary } from "../../src/sync/run-sync.ts";
import type { Stream } from "../../src/sync/ports.ts";
import { expectedWarehouse } from "../support/expected-warehouse.ts";
import {
  SMALL_TENANT,
  syncWith,
  useSimWarehouse,
  useSimulators,
} from "../support/sim-warehouse.ts";
import {
  DATA_TABLES,
  countRows,
  dumpDataTables,
  expectWarehouse,
  readWarehouse,
  type WarehouseSnapshot,
} from "../support/warehouse-snapshot.ts";

const warehouse = useSimWarehouse();
const simulator = useSimulators();

/** Graph returns at most this many members in `$expand=members` (docs/graph.md). */
const EXPANSION_CAP = 25;
const PENDING = new Set(["notStarted", "inProgress"]);

function totalRows(snapshot: WarehouseSnapshot): number {
  return DATA_TABLES.reduce((n, table) => n + snapshot[table].length, 0);
}

/** 100 ns ticks of a Graph timestamp, exact (0 to 7 fractional digits). */
function ticks(graph: string): bigint {
  const m = /^(.+T\d\d:\d\d:\d\d)(?:\.(\d{1,7}))?Z$/.exec(graph);
  if (!m?.[1]) throw new RangeError(`not a Graph timestamp: ${graph}`);
  return BigInt(Date.parse(`${m[1]}Z`)) * 10_000n + BigInt((m[2] ?? "").padEnd(7, "0"));
}

function chatsOf(state: SimState, userId: string): SimChatState[] {
  return state.chats.filter((chat) => userId in chat.viewpoints);
}

/** Each user's newest lastUpdatedDateTime, as sent: what its watermark must be. */
function newestPerUser(state: SimState): Map<string, string> {
  const newest = new Map<string, string>();
  for (const user of state.users) {
    for (const chat of chatsOf(state, user.id)) {
      const best = newest.get(user.id);
      if (best === undefined || ticks(chat.lastUpdatedDateTime) > ticks(best))
        newest.set(user.id, chat.lastUpdatedDateTime);
    }
  }
  return newest;
}

function pendingOperationChats(state: SimState): Set<string> {
  return new Set(
    state.chats.filter((c) => c.operations.some((op) => PENDING.has(op.status))).map((c) => c.id),
  );
}

/** Distinct chat ids of the logged requests of these route kinds. */
function chatsRequested(stats: SimStats, ...kinds: string[]): Set<string> {
  return new Set(
    stats.log.filter((e) => kinds.includes(e.routeKind) && e.chatId).map((e) => e.chatId ?? ""),
  );
}

/** Requests per chat of one route kind, first pages only (a follow-up page is not a refetch). */
function fetchesPerChat(stats: SimStats, kind: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of stats.log) {
    if (e.routeKind !== kind || !e.chatId || "$skiptoken" in e.query || "$skip" in e.query)
      continue;
    counts.set(e.chatId, (counts.get(e.chatId) ?? 0) + 1);
  }
  return counts;
}

function sorted(ids: Iterable<string>): string[] {
  return [...ids].sort();
}

async function startShared(): Promise<Simulator> {
  return startSimulator({ ...SMALL_TENANT, rateScale: 0 });
}

describe("a first full sync", () => {
  let sim: Simulator;
  let state: SimState;
  let summary: RunSummary;
  let stats: SimStats;
  let actual: WarehouseSnapshot;
  let expected: WarehouseSnapshot;

  beforeAll(async () => {
    await warehouse.reset();
    sim = await startShared();
    summary = await syncWith(sim, warehouse.db);
    stats = sim.stats();
    state = sim.state();
    actual = await readWarehouse(warehouse.db);
    expected = expectedWarehouse(state);
  });
  afterAll(async () => {
    await sim.close();
  });

  it("loads every data table exactly as the simulator's ground truth, row by row", () => {
    // The tenant is varied enough for the comparison to mean something.
    expect(state.chats.length).toBeGreaterThan(40);
    expect(new Set(state.chats.map((c) => c.chatType))).toEqual(
      new Set(["oneOnOne", "group", "meeting"]),
    );
    expect(new Set(state.chats.map((c) => c.viewpointProperty))).toEqual(
      new Set(["viewpoint", "chatViewpoint"]),
    );
    expect(new Set(expected.chat_members.map((m) => m.member_type)).size).toBeGreaterThan(3);
    expect(expected.chat_operations.length).toBeGreaterThan(0);
    expectWarehouse(actual, expected);
  });

  it("stores the 0001-01-01 sentinel as NULL and keeps 1970-01-01 as a real instant", async () => {
    const { rows } = await sql<{ never: number; epoch: number; read_never: number }>`
      select
        (select count(*)::int from teams.chat_members where visible_history_start_at is null) as never,
        (select count(*)::int from teams.chat_members
          where visible_history_start_at = '1970-01-01T00:00:00Z') as epoch,
        (select count(*)::int from teams.user_chats where last_message_read_at is null) as read_never`.execute(
      warehouse.db,
    );
    const members = state.chats.flatMap((c) => c.members);
    const viewpoints = state.chats.flatMap((c) => Object.values(c.viewpoints));
    expect(rows[0]).toEqual({
      never: members.filter((m) => m.visibleHistoryStartDateTime.startsWith("0001-01-01")).length,
      epoch: members.filter((m) => m.visibleHistoryStartDateTime.startsWith("1970-01-01T00:00:00"))
        .length,
      read_never: viewpoints.filter((v) => v.lastMessageReadDateTime.startsWith("0001-01-01"))
        .length,
    });
    expect(rows[0]?.never).toBeGreaterThan(0);
  });

  it("leaves no row removed or deleted and points each chat at its current preview, which is stored", async () => {
    const { rows } = await sql<{ removed: number }>`
      select (select count(*) from teams.chats where deleted_at is not null)
           + (select count(*) from teams.chat_members where removed_at is not null)
           + (select count(*) from teams.user_chats where removed_at is not null) as removed`.execute(
      warehouse.db,
    );
    expect(Number(rows[0]?.removed)).toBe(0);
    const previews = new Set(actual.message_previews.map((p) => `${p.chat_id} ${p.message_id}`));
    for (const chat of state.chats) {
      const row = actual.chats.find((c) => c.chat_id === chat.id);
      expect(row?.last_message_id, chat.id).toBe(chat.lastMessagePreview?.id ?? null);
      if (chat.lastMessagePreview) {
        expect(previews.has(`${chat.id} ${chat.lastMessagePreview.id}`), chat.id).toBe(true);
      }
    }
  });

  it("stores each chat's raw object without the expansions and without the viewpoint", () => {
    for (const row of actual.chats) {
      const keys = Object.keys(row.raw);
      expect(keys, row.chat_id).toContain("lastUpdatedDateTime");
      for (const key of keys) {
        expect(key, row.chat_id).not.toMatch(
          /^(members|lastMessagePreview|viewpoint|chatViewpoint)(@|$)|^@odata\.context$/,
        );
      }
    }
  });

  it("completes the member lists of chats with 25 members or more with GET /chats/{id}/members", () => {
    const large = state.chats.filter((c) => c.members.length >= EXPANSION_CAP);
    expect(large.length).toBeGreaterThan(0);
    expect(Math.max(...large.map((c) => c.members.length))).toBeGreaterThan(100);
    expect(sorted(chatsRequested(stats, "listMembers"))).toEqual(sorted(large.map((c) => c.id)));
    for (const chat of large) {
      const stored = actual.chat_members.filter((m) => m.chat_id === chat.id);
      expect(stored.length, chat.id).toBe(chat.members.length);
    }
  });

  it("records the run as succeeded with the counts of what it did", async () => {
    const runs = await warehouse.db.selectFrom("teams.sync_runs").selectAll().execute();
    expect(runs).toHaveLength(1);
    const run = runs[0];
    const rows = totalRows(actual);
    expect(run).toMatchObject({
      run_id: summary.runId,
      trigger: "manual",
      status: "succeeded",
      users_total: state.users.length,
      users_succeeded: state.users.length,
      users_failed: 0,
      chats_seen: state.chats.length,
      requests: stats.requests,
      throttled: 0,
      rows_written: rows,
      rejects: 0,
      error: null,
    });
    expect(run?.finished_at).toBeInstanceOf(Date);
    expect(summary).toMatchObject({
      status: "succeeded",
      dryRun: false,
      users: { total: state.users.length, succeeded: state.users.length, failed: 0 },
      chats: state.chats.length,
      rowsWritten: { inserted: rows, updated: 0 },
      chatsMarkedDeleted: 0,
      requests: stats.requests,
      failures: [],
      fatal: null,
    });
    const failures = await countRows(warehouse.db);
    expect(failures).toMatchObject({ sync_failures: 0, sync_rejects: 0 });
  });

  it("sets each user's watermark, per stream, to the newest lastUpdatedDateTime of their chats", async () => {
    const stored = await warehouse.db
      .selectFrom("teams.sync_watermarks")
      .select(["stream", "user_id", "watermark_raw", "run_id"])
      .execute();
    const expectedRows = [...newestPerUser(state)].flatMap(([userId, raw]) =>
      ["chats", "members", "previews", "operations"].map((stream) => ({
        stream,
        user_id: userId,
        watermark_raw: raw,
        run_id: summary.runId,
      })),
    );
    const order = (
      a: { stream: string; user_id: string },
      b: { stream: string; user_id: string },
    ) => (`${a.stream} ${a.user_id}` < `${b.stream} ${b.user_id}` ? -1 : 1);
    expect([...stored].sort(order)).toEqual(expectedRows.sort(order));
  });
});

describe("follow-up calls", () => {
  it("a run requests each chat's member list and operations at most once, however many of its members are synced", async () => {
    await warehouse.reset();
    const sim = await simulator();
    // One user at a time: no two users can race for the same chat.
    await syncWith(sim, warehouse.db, { concurrency: 1 });
    const stats = sim.stats();
    const state = sim.state();
    const repeated = (kind: string) =>
      [...fetchesPerChat(stats, kind)]
        .filter(([, n]) => n > 1)
        .map(([chatId, n]) => ({ chatId, n }));
    expect(repeated("listMembers"), "member lists fetched more than once").toEqual([]);
    expect(repeated("listOperations"), "operations listed more than once").toEqual([]);
    expect(stats.byRouteKind.listOperations ?? 0).toBeLessThanOrEqual(state.chats.length);
  });
});

describe("Graph's limits and transient errors", () => {
  it("with the limiter scaled to the simulator's limits, a full sync is never throttled", async () => {
    await warehouse.reset();
    const scale = 10;
    const sim = await simulator({ rateScale: scale });
    const summary = await syncWith(sim, warehouse.db, {}, scale);
    const stats = sim.stats();
    expect(summary.status).toBe("succeeded");
    expect({ throttled: stats.throttled, violations: stats.retryAfterViolations }).toEqual({
      throttled: 0,
      violations: 0,
    });
    expectWarehouse(await readWarehouse(warehouse.db), expectedWarehouse(sim.state()));
  });

  it("503s and 504s with Retry-After are retried and the run still loads the ground truth", async () => {
    await warehouse.reset();
    const sim = await simulator();
    const routes: ("listChats" | "listMembers" | "listOperations")[] = [
      "listChats",
      "listMembers",
      "listOperations",
    ];
    sim.setFaults([
      { kind: "http503", retryAfterSeconds: 0.05, routes, share: 0.3, count: 8 },
      { kind: "http504", retryAfterSeconds: 0.02, routes, share: 0.3, count: 4 },
    ]);
    const summary = await syncWith(sim, warehouse.db);
    const fired = sim.stats().faultsFired.reduce((n, f) => n + f.fired, 0);
    expect(fired).toBe(12);
    expect(summary.status).toBe("succeeded");
    expect(summary.retries).toBe(fired);
    expectWarehouse(await readWarehouse(warehouse.db), expectedWarehouse(sim.state()));
  });
});

describe("a second sync of an unchanged tenant", () => {
  let sim: Simulator;
  let state: SimState;
  let second: RunSummary;
  let stats: SimStats;
  let before: Record<string, string[]>;

  beforeAll(async () => {
    await warehouse.reset();
    sim = await startShared();
    await syncWith(sim, warehouse.db);
    state = sim.state();
    before = await dumpDataTables(warehouse.db);
    sim.resetStats();
    second = await syncWith(sim, warehouse.db);
    stats = sim.stats();
  });
  afterAll(async () => {
    await sim.close();
  });

  it("writes zero rows and leaves every row, bookkeeping columns included, as it was", async () => {
    expect(second.status).toBe("succeeded");
    expect(second.rowsWritten).toEqual({ inserted: 0, updated: 0 });
    expect(await dumpDataTables(warehouse.db)).toEqual(before);
    const run = await warehouse.db
      .selectFrom("teams.sync_runs")
      .select(["status", "rows_written"])
      .where("run_id", "=", second.runId ?? -1)
      .executeTakeFirst();
    expect(run).toEqual({ status: "succeeded", rows_written: 0 });
    expectWarehouse(await readWarehouse(warehouse.db), expectedWarehouse(state));
  });

  it("lists every user's chats again and makes no follow-up call beyond polling the operations that have not ended", () => {
    const kinds = Object.keys(stats.byRouteKind).sort();
    expect(kinds.filter((k) => !["listUsers", "listChats", "getOperation"].includes(k))).toEqual(
      [],
    );
    expect(stats.byRouteKind.listUsers).toBe(1);
    const pages = state.users.reduce(
      (n, u) => n + Math.max(1, Math.ceil(chatsOf(state, u.id).length / 50)),
      0,
    );
    expect(stats.byRouteKind.listChats).toBe(pages);

    const pending = pendingOperationChats(state);
    expect(pending.size).toBeGreaterThan(0);
    expect(chatsRequested(stats, "listMembers").size).toBe(0);
    expect(sorted(chatsRequested(stats, "listOperations", "getOperation"))).toEqual(
      sorted(pending),
    );
    const pendingIds = new Set(
      state.chats.flatMap((c) =>
        c.operations.filter((op) => PENDING.has(op.status)).map((op) => op.id),
      ),
    );
    for (const entry of stats.log.filter((e) => e.routeKind === "getOperation")) {
      const id = decodeURIComponent(entry.path.split("/").pop() ?? "");
      expect(pendingIds.has(id), entry.path).toBe(true);
    }
  });
});

describe("failures and subsets", () => {
  it.each([403, 404] as const)(
    "a user whose listing fails with %i is recorded in sync_failures with that status while the others load completely (partial)",
    async (status) => {
      await warehouse.reset();
      const sim = await simulator();
      const users = sim.state().users;
      const failing = users[3]?.id ?? "";
      sim.setFaults([{ kind: "userError", status, users: [failing], routes: ["listChats"] }]);
      const summary = await syncWith(sim, warehouse.db);

      expect(summary.status).toBe("partial");
      expect(summary.users).toEqual({
        total: users.length,
        succeeded: users.length - 1,
        failed: 1,
        notSynced: 0,
      });
      const failures = await warehouse.db
        .selectFrom("teams.sync_failures")
        .select(["run_id", "user_id", "stream", "http_status"])
        .execute();
      expect(failures).toEqual([
        { run_id: summary.runId, user_id: failing, stream: "chats", http_status: status },
      ]);
      const run = await warehouse.db
        .selectFrom("teams.sync_runs")
        .select(["status", "users_failed", "users_succeeded"])
        .executeTakeFirst();
      expect(run).toEqual({
        status: "partial",
        users_failed: 1,
        users_succeeded: users.length - 1,
      });
      const others = users.map((u) => u.id).filter((id) => id !== failing);
      expectWarehouse(
        await readWarehouse(warehouse.db),
        expectedWarehouse(sim.state(), { users: others }),
      );
      const watermarks = await warehouse.db
        .selectFrom("teams.sync_watermarks")
        .select("user_id")
        .where("user_id", "=", failing)
        .execute();
      expect(watermarks).toEqual([]);
    },
  );

  it("syncs only the users given (by id or UPN) and the chats they are in", async () => {
    await warehouse.reset();
    const sim = await simulator();
    const [a, , b] = sim.state().users;
    if (!a || !b) throw new Error("tenant too small");
    const summary = await syncWith(sim, warehouse.db, {
      users: { kind: "list", ids: [a.id, b.userPrincipalName] },
    });
    expect(summary.status).toBe("succeeded");
    expect(summary.users.total).toBe(2);
    const actual = await readWarehouse(warehouse.db);
    expect(new Set(actual.user_chats.map((r) => r.user_id))).toEqual(new Set([a.id, b.id]));
    expectWarehouse(actual, expectedWarehouse(sim.state(), { users: [a.id, b.id] }));
    expect(sim.stats().byRouteKind.listUsers ?? 0).toBe(0);
  });

  it("a user given by a UPN that does not exist fails with 404 while the others load (partial)", async () => {
    await warehouse.reset();
    const sim = await simulator();
    const [a] = sim.state().users;
    if (!a) throw new Error("tenant too small");
    const ghost = "nobody@contoso.onmicrosoft.com";
    const summary = await syncWith(sim, warehouse.db, {
      users: { kind: "list", ids: [a.id, ghost] },
    });
    expect(summary.status).toBe("partial");
    expect(summary.failures.map((f) => ({ userId: f.userId, httpStatus: f.httpStatus }))).toEqual([
      { userId: ghost, httpStatus: 404 },
    ]);
    expectWarehouse(
      await readWarehouse(warehouse.db),
      expectedWarehouse(sim.state(), { users: [a.id] }),
    );
  });

  it("a dry run extracts and normalizes everything and writes nothing, not even a run", async () => {
    await warehouse.reset();
    const sim = await simulator();
    const summary = await syncWith(sim, warehouse.db, { dryRun: true });
    const state = sim.state();
    expect(summary).toMatchObject({
      runId: null,
      status: "succeeded",
      dryRun: true,
      users: { total: state.users.length, succeeded: state.users.length, failed: 0 },
      chats: state.chats.length,
      rowsWritten: { inserted: 0, updated: 0 },
    });
    expect(sim.stats().byRouteKind.listChats).toBe(state.users.length);
    const counts = await countRows(warehouse.db);
    expect(
      Object.values(counts).every((n) => n === 0),
      JSON.stringify(counts),
    ).toBe(true);
  });

  it("--streams chats writes chats and viewpoints only: no members, previews or operations", async () => {
    await warehouse.reset();
    const sim = await simulator();
    const streams = new Set<Stream>(["chats"]);
    const summary = await syncWith(sim, warehouse.db, { streams });
    expect(summary.status).toBe("succeeded");
    const stats = sim.stats();
    expect(stats.byRouteKind.listMembers ?? 0).toBe(0);
    expect(stats.byRouteKind.listOperations ?? 0).toBe(0);
    const actual = await readWarehouse(warehouse.db);
    const expected = expectedWarehouse(sim.state(), { streams });
    expect({
      chat_members: actual.chat_members.length,
      message_previews: actual.message_previews.length,
      chat_operations: actual.chat_operations.length,
    }).toEqual({ chat_members: 0, message_previews: 0, chat_operations: 0 });
    expectWarehouse(actual, expected);
    const streamsWithWatermarks = await warehouse.db
      .selectFrom("teams.sync_watermarks")
      .select("stream")
      .distinct()
      .execute();
    expect(streamsWithWatermarks).toEqual([{ stream: "chats" }]);
  });
});

describe("a sync after the tenant changed", () => {
  let sim: Simulator;
  let first: WarehouseSnapshot;
  let state: SimState;
  let second: RunSummary;
  let actual: WarehouseSnapshot;
  const changes = {} as {
    renamed: string;
    largeChat: string;
    removedMembership: string;
    addedToLarge: string;
    messaged: string;
    oldPreview: string;
    hiddenBy: { chatId: string; userId: string };
    readBy: { chatId: string; userId: string };
    leaver: { chatId: string; userId: string };
    deleted: string;
    created: string;
  };

  beforeAll(async () => {
    await warehouse.reset();
    sim = await startShared();
    await syncWith(sim, warehouse.db);
    const before = sim.state();
    first = expectedWarehouse(before);
    const tenantUsers = new Set(before.users.map((u) => u.id));
    const groups = before.chats.filter(
      (c) => c.chatType === "group" && c.members.length < EXPANSION_CAP,
    );
    const large = before.chats.find((c) => c.members.length > EXPANSION_CAP + 5);
    const tenantMembers = (chat: SimChatState) =>
      Object.keys(chat.viewpoints).filter((id) => tenantUsers.has(id));
    const [renamed, left, deleted] = groups.filter((c) => tenantMembers(c).length >= 3);
    const messaged = before.chats.find(
      (c) => c.lastMessagePreview && ![renamed, left, deleted, large].includes(c),
    );
    const oneOnOne = before.chats.find(
      (c) => c.chatType === "oneOnOne" && tenantMembers(c).length === 2,
    );
    if (!renamed || !left || !messaged || !deleted || !large || !oneOnOne)
      throw new Error("the tenant lacks the chats this scenario needs");

    sim.tenant.renameChat(renamed.id, "Quarterly planning (renamed)");
    sim.tenant.addMember(renamed.id, { external: "phoneUser" });

    const removed =
      large.members.find((m) => m.type !== "aadUserConversationMember") ?? large.members[10];
    if (!removed) throw new Error("large chat without members");
    sim.tenant.removeMember(large.id, { membershipId: removed.id });
    // A new hire, whose first chat is the large one.
    const outsider = sim.tenant.addUser({
      id: "00000000-0000-4000-8000-00000000f00d",
      displayName: "New Hire",
    });
    sim.tenant.addMember(large.id, { userId: outsider.id });

    sim.tenant.postMessage(messaged.id, { content: "New message after the first sync" });
    const [hider, reader] = tenantMembers(oneOnOne);
    if (!hider || !reader) throw new Error("one-on-one without two tenant users");
    sim.tenant.setHidden(oneOnOne.id, hider, true);
    sim.tenant.markRead(oneOnOne.id, reader);
    const leaver = tenantMembers(left)[1] ?? "";
    sim.tenant.leaveChat(left.id, leaver);
    sim.tenant.deleteChat(deleted.id);
    const [x, y, z] = before.users;
    const created = sim.tenant.createChat({
      chatType: "group",
      topic: "Created after the first sync",
      members: [x, y, z].map((u) => ({
        "@odata.type": "#microsoft.graph.aadUserConversationMember",
        "user@odata.bind": `https://graph.microsoft.com/v1.0/users('${u?.id ?? ""}')`,
        roles: ["owner"],
      })),
    });
    // Ten simulated minutes: pending operations move on.
    sim.advanceTime(10 * 60 * 1000);

    Object.assign(changes, {
      renamed: renamed.id,
      largeChat: large.id,
      removedMembership: removed.id,
      addedToLarge: outsider.id,
      messaged: messaged.id,
      oldPreview: messaged.lastMessagePreview?.id ?? "",
      hiddenBy: { chatId: oneOnOne.id, userId: hider },
      readBy: { chatId: oneOnOne.id, userId: reader },
      leaver: { chatId: left.id, userId: leaver },
      deleted: deleted.id,
      created: created.chat.id,
    });
    state = sim.state();
    second = await syncWith(sim, warehouse.db);
    actual = await readWarehouse(warehouse.db);
  });
  afterAll(async () => {
    await sim.close();
  });

  it("converges to the new ground truth, keeping what is gone marked as removed or deleted", () => {
    expect(second.status).toBe("succeeded");
    expectWarehouse(actual, expectedWarehouse(state, { previous: first }));
  });

  it("renames the chat and completes the large chat's member list, marking the removed membership", () => {
    expect(actual.chats.find((c) => c.chat_id === changes.renamed)?.topic).toBe(
      "Quarterly planning (renamed)",
    );
    const large = actual.chat_members.filter((m) => m.chat_id === changes.largeChat);
    expect(large.find((m) => m.membership_id === changes.removedMembership)?.removed).toBe(true);
    expect(large.find((m) => m.user_id === changes.addedToLarge)?.removed).toBe(false);
    expect(large.filter((m) => !m.removed)).toHaveLength(
      state.chats.find((c) => c.id === changes.largeChat)?.members.length ?? -1,
    );
  });

  it("keeps the old preview next to the new one and points the chat at the new one", () => {
    const previews = actual.message_previews.filter((p) => p.chat_id === changes.messaged);
    const current = state.chats.find((c) => c.id === changes.messaged)?.lastMessagePreview;
    expect(current?.body.content).toBe("New message after the first sync");
    expect(previews.map((p) => p.message_id)).toEqual(
      expect.arrayContaining([changes.oldPreview, current?.id]),
    );
    expect(actual.chats.find((c) => c.chat_id === changes.messaged)?.last_message_id).toBe(
      current?.id,
    );
  });

  it("updates each user's viewpoint and marks the leaver's chat removed, keeping their last viewpoint", () => {
    const viewpoint = (ref: { chatId: string; userId: string }) =>
      actual.user_chats.find((r) => r.chat_id === ref.chatId && r.user_id === ref.userId);
    expect(viewpoint(changes.hiddenBy)?.is_hidden).toBe(true);
    expect(viewpoint(changes.readBy)?.last_message_read_at).not.toBeNull();
    const before = first.user_chats.find(
      (r) => r.chat_id === changes.leaver.chatId && r.user_id === changes.leaver.userId,
    );
    expect(viewpoint(changes.leaver)).toEqual({ ...before, removed: true });
    const membership = actual.chat_members.filter(
      (m) => m.chat_id === changes.leaver.chatId && m.user_id === changes.leaver.userId,
    );
    expect(membership.length).toBeGreaterThan(0);
    expect(membership.every((m) => m.removed)).toBe(true);
  });

  it("marks the deleted chat deleted and every user's row of it removed, and loads the new chat", () => {
    expect(second.chatsMarkedDeleted).toBe(1);
    expect(actual.chats.find((c) => c.chat_id === changes.deleted)?.deleted).toBe(true);
    const rows = actual.user_chats.filter((r) => r.chat_id === changes.deleted);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.removed)).toBe(true);
    expect(actual.chats.find((c) => c.chat_id === changes.created)).toMatchObject({
      topic: "Created after the first sync",
      deleted: false,
    });
  });

  it("re-polls operations that had not ended and stores how they ended", () => {
    const moved = first.chat_operations.filter((op) => {
      const now = actual.chat_operations.find((o) => o.operation_id === op.operation_id);
      return op.status !== now?.status;
    });
    expect(moved.length).toBeGreaterThan(0);
    for (const op of moved) expect(PENDING.has(op.status ?? ""), op.operation_id).toBe(true);
  });

  it("a third run over the converged tenant writes nothing", async () => {
    const third = await syncWith(sim, warehouse.db);
    expect(third.status).toBe("succeeded");
    expect(third.rowsWritten).toEqual({ inserted: 0, updated: 0 });
    expect(third.chatsMarkedDeleted).toBe(0);
  });
});
