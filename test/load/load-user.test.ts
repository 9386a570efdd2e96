import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Logger } from "../../src/log.ts";
import { pgWarehouse } from "../../src/sync/pg-warehouse.ts";
import { loadListing } from "./fixtures.ts";
import {
  chatRow,
  listed,
  memberRow,
  operationRow,
  previewRow,
  userInput,
  viewpoint,
} from "./fixtures.ts";
import { newRun, useWarehouse } from "./warehouse.ts";

const warehouse = useWarehouse();
const at = (day: number) => new Date(Date.UTC(2024, 3, day));

async function members(chatId: string) {
  return warehouse.db
    .selectFrom("teams.chat_members")
    .select(["membership_id", "removed_at", "first_seen_at", "last_seen_at"])
    .where("chat_id", "=", chatId)
    .orderBy("membership_id")
    .execute();
}

async function userChats(userId: string) {
  return warehouse.db
    .selectFrom("teams.user_chats")
    .select(["chat_id", "is_hidden", "last_message_read_at", "removed_at"])
    .where("user_id", "=", userId)
    .orderBy("chat_id")
    .execute();
}

describe("loadListing membership", () => {
  it("marks a member missing from a complete list removed, and clears it when the member is back", async () => {
    const { db } = warehouse;
    const runId = await newRun(db);
    const chat = "members-toggle";
    const m = (id: string) => memberRow(chat, id);
    await loadListing(
      db,
      userInput(runId, "u1", [listed("u1", chat, [m("a"), m("b")])], { seenAt: at(1) }),
    );
    const second = await loadListing(
      db,
      userInput(runId, "u1", [listed("u1", chat, [m("a")])], { seenAt: at(2) }),
    );
    expect(second.chat_members).toEqual({ inserted: 0, updated: 0, removed: 1 });
    expect(await members(chat)).toEqual([
      { membership_id: "a", removed_at: null, first_seen_at: at(1), last_seen_at: at(1) },
      { membership_id: "b", removed_at: at(2), first_seen_at: at(1), last_seen_at: at(1) },
    ]);
    const third = await loadListing(
      db,
      userInput(runId, "u1", [listed("u1", chat, [m("a"), m("b")])], { seenAt: at(3) }),
    );
    expect(third.chat_members).toEqual({ inserted: 0, updated: 1, removed: 0 });
    expect(await members(chat)).toEqual([
      { membership_id: "a", removed_at: null, first_seen_at: at(1), last_seen_at: at(1) },
      { membership_id: "b", removed_at: null, first_seen_at: at(1), last_seen_at: at(3) },
    ]);
  });

  it("removes members of a known chat loaded beside new chats (the all-new shortcut does not apply)", async () => {
    const { db } = warehouse;
    const runId = await newRun(db);
    const known = "members-known";
    await loadListing(
      db,
      userInput(
        runId,
        "u-mixed",
        [listed("u-mixed", known, [memberRow(known, "a"), memberRow(known, "b")])],
        {
          seenAt: at(1),
        },
      ),
    );
    // Same batch: the known chat without "b", and a chat the warehouse has never seen.
    const mixed = await loadListing(
      db,
      userInput(
        runId,
        "u-mixed",
        [
          listed("u-mixed", known, [memberRow(known, "a")]),
          listed("u-mixed", "members-new", [memberRow("members-new", "x")]),
        ],
        { seenAt: at(2) },
      ),
    );
    expect(mixed.chats.inserted).toBe(1);
    expect(mixed.chat_members).toEqual({ inserted: 1, updated: 0, removed: 1 });
    expect((await members(known)).map((m) => [m.membership_id, m.removed_at])).toEqual([
      ["a", null],
      ["b", at(2)],
    ]);
  });

  it("never removes members on a possibly truncated expansion, only upserts what it shows", async () => {
    const { db } = warehouse;
    const runId = await newRun(db);
    const chat = "members-truncated";
    const all = Array.from({ length: 30 }, (_, i) =>
      memberRow(chat, `m${String(i).padStart(2, "0")}`),
    );
    await loadListing(db, userInput(runId, "u1", [listed("u1", chat, all)], { seenAt: at(1) }));
    const cut = listed("u1", chat, [...all.slice(0, 24), memberRow(chat, "new")], {
      membersMayBeTruncated: true,
    });
    const result = await loadListing(db, userInput(runId, "u1", [cut], { seenAt: at(2) }));
    expect(result.chat_members).toEqual({ inserted: 1, updated: 0, removed: 0 });
    const rows = await members(chat);
    expect(rows).toHaveLength(31);
    expect(rows.filter((r) => r.removed_at !== null)).toEqual([]);
  });

  it("uses a complete list from GET /members over the truncated expansion, removing who is absent from it", async () => {
    const { db } = warehouse;
    const runId = await newRun(db);
    const chat = "members-fetched";
    const m = (id: string) => memberRow(chat, id);
    await loadListing(
      db,
      userInput(runId, "u1", [listed("u1", chat, [m("a"), m("b"), m("c")])], { seenAt: at(1) }),
    );
    const cut = listed("u1", chat, [m("a")], { membersMayBeTruncated: true });
    const result = await loadListing(db, {
      ...userInput(runId, "u1", [cut], { seenAt: at(2) }),
      completeMembers: new Map([[chat, [m("a"), m("c"), m("d")]]]),
    });
    expect(result.chat_members).toEqual({ inserted: 1, updated: 0, removed: 1 });
    expect((await members(chat)).map((r) => [r.membership_id, r.removed_at])).toEqual([
      ["a", null],
      ["b", at(2)],
      ["c", null],
      ["d", null],
    ]);
  });

  it("keys members by chat: the same membership id in two chats is two rows", async () => {
    const { db } = warehouse;
    const runId = await newRun(db);
    await loadListing(
      db,
      userInput(runId, "u1", [
        listed("u1", "shared-id-1", [memberRow("shared-id-1", "same")]),
        listed("u1", "shared-id-2", [memberRow("shared-id-2", "same")]),
      ]),
    );
    expect(await members("shared-id-1")).toHaveLength(1);
    expect(await members("shared-id-2")).toHaveLength(1);
  });
});

describe("loadListing viewpoints", () => {
  it("marks a chat gone from the user's complete listing removed, keeping the last viewpoint", async () => {
    const { db } = warehouse;
    const runId = await newRun(db);
    const read = "2024-03-05T08:00:00.000Z";
    await loadListing(
      db,
      userInput(
        runId,
        "leaver",
        [
          listed("leaver", "stay"),
          listed("leaver", "leave", undefined, {
            viewpoint: viewpoint("leaver", "leave", {
              is_hidden: true,
              last_message_read_at: read,
            }),
          }),
        ],
        { seenAt: at(1) },
      ),
    );
    const result = await loadListing(
      db,
      userInput(runId, "leaver", [listed("leaver", "stay")], { seenAt: at(2) }),
    );
    expect(result.user_chats).toEqual({ inserted: 0, updated: 0, removed: 1 });
    expect(await userChats("leaver")).toEqual([
      {
        chat_id: "leave",
        is_hidden: true,
        last_message_read_at: new Date(read),
        removed_at: at(2),
      },
      {
        chat_id: "stay",
        is_hidden: false,
        last_message_read_at: new Date("2024-03-03T09:00:00Z"),
        removed_at: null,
      },
    ]);
    // Listed again: active again, with the viewpoint as now sent.
    await loadListing(
      db,
      userInput(runId, "leaver", [listed("leaver", "stay"), listed("leaver", "leave")], {
        seenAt: at(3),
      }),
    );
    expect((await userChats("leaver")).map((r) => [r.chat_id, r.is_hidden, r.removed_at])).toEqual([
      ["leave", false, null],
      ["stay", false, null],
    ]);
  });

  it("keeps the last viewpoint known when a listing carries none", async () => {
    const { db } = warehouse;
    const runId = await newRun(db);
    await loadListing(
      db,
      userInput(runId, "nov", [
        listed("nov", "v1", undefined, { viewpoint: viewpoint("nov", "v1", { is_hidden: true }) }),
      ]),
    );
    const result = await loadListing(
      db,
      userInput(runId, "nov", [listed("nov", "v1", undefined, { viewpoint: null })], {
        seenAt: at(2),
      }),
    );
    expect(result.user_chats).toEqual({ inserted: 0, updated: 0, removed: 0 });
    expect((await userChats("nov"))[0]?.is_hidden).toBe(true);
  });
});

describe("loadListing previews, operations, rejects", () => {
  it("keeps every preview ever seen: a newer last message adds a row, the older stays", async () => {
    const { db } = warehouse;
    const runId = await newRun(db);
    const chat = "previews";
    await loadListing(
      db,
      userInput(runId, "u1", [listed("u1", chat, [], { preview: previewRow(chat, "p1") })]),
    );
    const result = await loadListing(
      db,
      userInput(
        runId,
        "u1",
        [
          listed("u1", chat, [], {
            chat: chatRow(chat, { last_message_id: "p2" }),
            preview: previewRow(chat, "p2"),
          }),
        ],
        { seenAt: at(2) },
      ),
    );
    expect(result.message_previews).toEqual({ inserted: 1, updated: 0 });
    const rows = await db
      .selectFrom("teams.message_previews")
      .select("message_id")
      .where("chat_id", "=", chat)
      .orderBy("message_id")
      .execute();
    expect(rows.map((r) => r.message_id)).toEqual(["p1", "p2"]);
  });

  it("updates an operation whose status changed and dead-letters rejects with run and user", async () => {
    const { db } = warehouse;
    const runId = await newRun(db);
    const chats = [listed("u-ops", "ops-chat")];
    await loadListing(
      db,
      userInput(runId, "u-ops", chats, { operations: [operationRow("ops-chat", "op-9")] }),
    );
    const result = await loadListing(
      db,
      userInput(runId, "u-ops", chats, {
        seenAt: at(2),
        operations: [operationRow("ops-chat", "op-9", { status: "succeeded", attempts_count: 2 })],
        rejects: [{ kind: "chat", context: "u-ops", reason: "missing id", raw: { topic: "x" } }],
      }),
    );
    expect(result.chat_operations).toEqual({ inserted: 0, updated: 1 });
    expect(result.rejects).toBe(1);
    const op = await db
      .selectFrom("teams.chat_operations")
      .select(["status", "attempts_count", "first_seen_at", "last_seen_at"])
      .where("operation_id", "=", "op-9")
      .executeTakeFirstOrThrow();
    expect(op).toEqual({
      status: "succeeded",
      attempts_count: 2,
      first_seen_at: at(1),
      last_seen_at: at(2),
    });
    const rejects = await db
      .selectFrom("teams.sync_rejects")
      .select(["run_id", "user_id", "kind", "context", "reason", "raw", "at"])
      .where("user_id", "=", "u-ops")
      .execute();
    expect(rejects).toEqual([
      {
        run_id: runId,
        user_id: "u-ops",
        kind: "chat",
        context: "u-ops",
        reason: "missing id",
        raw: { topic: "x" },
        at: at(2),
      },
    ]);
  });
});

describe("loadListing watermark", () => {
  it("only moves forward, comparing all 7 fractional digits and keeping the raw text", async () => {
    const { db } = warehouse;
    const runId = await newRun(db);
    const chats = [listed("wm", "wm-chat")];
    const load = async (raw: string) =>
      (
        await loadListing(
          db,
          userInput(runId, "wm", chats, { watermarks: new Map([["chats", raw]]) }),
        )
      ).watermarkAdvanced;
    const stored = () =>
      db
        .selectFrom("teams.sync_watermarks")
        .select([
          "watermark_raw",
          "run_id",
          sql<string>`to_char(watermark at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`.as("w"),
        ])
        .where("user_id", "=", "wm")
        .where("stream", "=", "chats")
        .executeTakeFirst();

    expect(await load("2024-05-01T10:00:00.1234567Z")).toBe(true);
    // Same timestamptz once rounded to microseconds (…123457), but earlier: stays.
    expect(await load("2024-05-01T10:00:00.1234566Z")).toBe(false);
    expect(await load("2024-05-01T10:00:00.1234567Z")).toBe(false);
    expect(await load("2024-04-30T23:59:59Z")).toBe(false);
    expect(await stored()).toMatchObject({
      watermark_raw: "2024-05-01T10:00:00.1234567Z",
      w: "2024-05-01T10:00:00.123457",
    });
    // Later only in the 7th digit (same microsecond after rounding): moves.
    expect(await load("2024-05-01T10:00:00.1234568Z")).toBe(true);
    // "…00.2Z" sorts before "…00.1234568Z" as text but is later in time: moves.
    expect(await load("2024-05-01T10:00:00.2Z")).toBe(true);
    expect(await stored()).toMatchObject({
      watermark_raw: "2024-05-01T10:00:00.2Z",
      w: "2024-05-01T10:00:00.200000",
    });
  });
});

describe("loadListing watermarks of several streams", () => {
  it("commits each stream's watermark in the user's transaction", async () => {
    const { db } = warehouse;
    const runId = await newRun(db);
    const result = await loadListing(
      db,
      userInput(runId, "multi", [listed("multi", "multi-chat")], {
        watermarks: new Map([
          ["chats", "2024-05-01T00:00:00Z"],
          ["members", "2024-05-02T00:00:00.0000001Z"],
        ]),
      }),
    );
    expect(result.watermarkAdvanced).toBe(true);
    const rows = await db
      .selectFrom("teams.sync_watermarks")
      .select(["stream", "watermark_raw", "run_id"])
      .where("user_id", "=", "multi")
      .orderBy("stream")
      .execute();
    expect(rows).toEqual([
      { stream: "chats", watermark_raw: "2024-05-01T00:00:00Z", run_id: runId },
      { stream: "members", watermark_raw: "2024-05-02T00:00:00.0000001Z", run_id: runId },
    ]);
  });
});

describe("loadListing transaction", () => {
  // Fires at commit, after every statement of the user ran: nothing may survive it.
  // "doomed" always fails (fatal); "flaky" fails its first attempt with a serialization failure.
  beforeAll(async () => {
    const { db } = warehouse;
    await sql`
      create function teams.test_fail_watermark() returns trigger language plpgsql as $$
      begin
        if new.user_id = 'doomed' then
          raise exception 'simulated failure for %', new.user_id using errcode = 'P0001';
        end if;
        if new.user_id = 'flaky' and nextval('teams.test_flaky_attempts') = 1 then
          raise exception 'simulated serialization failure' using errcode = '40001';
        end if;
        return null;
      end $$`.execute(db);
    await sql`create sequence teams.test_flaky_attempts`.execute(db);
    await sql`
      create constraint trigger fail_watermark after insert or update on teams.sync_watermarks
      deferrable initially deferred for each row execute function teams.test_fail_watermark()`.execute(
      db,
    );
  });
  afterAll(async () => {
    await sql`drop trigger if exists fail_watermark on teams.sync_watermarks`.execute(warehouse.db);
    await sql`drop function if exists teams.test_fail_watermark()`.execute(warehouse.db);
    await sql`drop sequence if exists teams.test_flaky_attempts`.execute(warehouse.db);
  });

  it("rolls back every row of the user's own transaction, watermark included, when its commit fails", async () => {
    const { db } = warehouse;
    const runId = await newRun(db);
    const chats = [listed("doomed", "doomed-chat", [memberRow("doomed-chat", "dm")])];
    const error = await loadListing(
      db,
      userInput(runId, "doomed", chats, {
        operations: [operationRow("doomed-chat", "doomed-op")],
        rejects: [{ kind: "chat", context: "doomed", reason: "bad", raw: null }],
        watermarks: new Map([["chats", "2024-05-01T00:00:00Z"]]),
      }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "P0001" });

    const { rows } = await sql<Record<string, number>>`
      select
        (select count(*)::int from teams.chats where chat_id = 'doomed-chat') as chats,
        (select count(*)::int from teams.chat_members where chat_id = 'doomed-chat') as members,
        (select count(*)::int from teams.user_chats where user_id = 'doomed') as user_chats,
        (select count(*)::int from teams.message_previews where chat_id = 'doomed-chat') as previews,
        (select count(*)::int from teams.chat_operations where chat_id = 'doomed-chat') as operations,
        (select count(*)::int from teams.sync_rejects where user_id = 'doomed') as rejects,
        (select count(*)::int from teams.sync_watermarks where user_id = 'doomed') as watermarks,
        (select count(*)::int from teams.sync_run_users where user_id = 'doomed') as progress`.execute(
      db,
    );
    // The chat's shared rows committed in their own (batch) transaction; the user's own
    // rows (viewpoints, rejects, watermark, progress) are all or nothing.
    expect(rows[0]).toEqual({
      chats: 1,
      members: 1,
      user_chats: 0,
      previews: 1,
      operations: 1,
      rejects: 0,
      watermarks: 0,
      progress: 0,
    });
  });

  it("retries the whole transaction after a retryable error, committing the user's rows once", async () => {
    const { db } = warehouse;
    const runId = await newRun(db);
    const sleeps: number[] = [];
    const retried: unknown[] = [];
    // Through the warehouse port, which retries each load whole, as a run does.
    const port = pgWarehouse(db, {
      logger: { warn: (fields: object) => retried.push(fields) } as unknown as Logger,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0,
    });
    const written = await port.loadUser({
      runId,
      userId: "flaky",
      seenAt: at(1),
      viewpoints: [{ chat_id: "flaky-chat", last_updated_raw: null, viewpoint: null }],
      rejects: [{ kind: "member", context: "flaky-chat", reason: "no id", raw: {} }],
      watermarks: new Map([["chats", "2024-05-01T00:00:00Z"]]),
      mayHaveRows: true,
    });
    expect(written).toEqual({ inserted: 1, updated: 0, removed: 0 });
    expect(retried).toHaveLength(1);
    expect(retried[0]).toMatchObject({ sqlState: "40001", attempt: 1 });
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThanOrEqual(25);
    expect(sleeps[0]).toBeLessThanOrEqual(50);
    const { rows } = await sql<{ rejects: number; progress: string }>`
      select (select count(*)::int from teams.sync_rejects where user_id = 'flaky') as rejects,
             (select status from teams.sync_run_users where user_id = 'flaky' and run_id = ${runId}) as progress`.execute(
      db,
    );
    expect(rows[0]).toEqual({ rejects: 1, progress: "succeeded" });
  });
});
