import type { Kysely } from "kysely";
import { describe, expect, it } from "vitest";
import { loadListing } from "./fixtures.ts";
import type { Database } from "../../src/load/schema.ts";
import { chatRow, listed, memberRow, operationRow, userInput } from "./fixtures.ts";
import { newRun, useWarehouse } from "./warehouse.ts";
import { counterDelta, writeCounters } from "../support/pg-stat.ts";

// One connection, so pg_stat_force_next_flush() runs in the session that did the writes.
const warehouse = useWarehouse({ maxConnections: 1 });

const DATA_TABLES = [
  "chat_members",
  "chat_operations",
  "chats",
  "message_previews",
  "sync_watermarks",
  "user_chats",
];

const counters = (db: Kysely<Database>) => writeCounters(db, DATA_TABLES);
const delta = counterDelta;

const zero = Object.fromEntries(DATA_TABLES.map((t) => [t, { ins: 0, upd: 0, del: 0 }]));

describe("a rerun over an unchanged tenant", () => {
  it("writes zero rows: by the returned counts and by pg_stat_user_tables; one change writes exactly one row", async () => {
    const { db } = warehouse;
    const run1 = await newRun(db);
    const chats = (userId: string) => [
      listed(userId, "19:a@thread.v2"),
      listed(userId, "19:b@thread.v2", [
        memberRow("19:b@thread.v2", "m1", { roles: [] }),
        memberRow("19:b@thread.v2", "m9", { email: null, visible_history_start_at: null }),
      ]),
      listed(userId, "19:c@thread.v2", [], { preview: null, viewpoint: null }),
    ];
    const input = (runId: number, seenAt: string, userId: string) =>
      userInput(runId, userId, chats(userId), {
        seenAt: new Date(seenAt),
        operations: [operationRow("19:a@thread.v2", "op-1")],
        watermarks: new Map([["chats", "2024-03-02T10:00:00.5100000Z"]]),
      });
    const first = await loadListing(db, input(run1, "2024-04-01T00:00:00Z", "alice"));
    await loadListing(db, input(run1, "2024-04-01T00:00:00Z", "bob"));
    expect(first.rowsWritten).toBe(3 + 4 + 3 + 2 + 1);
    const before = await counters(db);
    expect(before.chats?.ins).toBe(3);

    const run2 = await newRun(db);
    const again = [
      await loadListing(db, input(run2, "2024-04-02T00:00:00Z", "alice")),
      await loadListing(db, input(run2, "2024-04-02T00:00:00Z", "bob")),
    ];
    const after = await counters(db);
    for (const result of again) {
      expect(result).toEqual({
        chats: { inserted: 0, updated: 0 },
        chat_members: { inserted: 0, updated: 0, removed: 0 },
        user_chats: { inserted: 0, updated: 0, removed: 0 },
        message_previews: { inserted: 0, updated: 0 },
        chat_operations: { inserted: 0, updated: 0 },
        rejects: 0,
        watermarkAdvanced: false,
        rowsWritten: 0,
      });
    }
    expect(delta(before, after)).toEqual(zero);

    // The measurement sees writes: one renamed chat is one updated row.
    const renamed = input(await newRun(db), "2024-04-03T00:00:00Z", "alice");
    const [a, ...rest] = renamed.chats;
    const changed = await loadListing(db, {
      ...renamed,
      chats: [{ ...a!, chat: chatRow("19:a@thread.v2", { topic: "Renamed" }) }, ...rest],
    });
    expect(changed.chats).toEqual({ inserted: 0, updated: 1 });
    expect(changed.rowsWritten).toBe(1);
    expect(delta(after, await counters(db))).toEqual({
      ...zero,
      chats: { ins: 0, upd: 1, del: 0 },
    });
  });
});
