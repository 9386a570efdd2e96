import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { upsertChatMembers } from "../../src/load/upsert-chat-members.ts";
import { upsertChats } from "../../src/load/upsert-chats.ts";
import { upsertMessagePreviews } from "../../src/load/upsert-message-previews.ts";
import { dedupeAndSort } from "../../src/load/upsert-rows.ts";
import { chatRow, memberRow, previewRow } from "./fixtures.ts";
import { useWarehouse } from "./warehouse.ts";

const warehouse = useWarehouse();
const T1 = new Date("2024-04-01T00:00:00Z");
const T2 = new Date("2024-04-02T00:00:00Z");
const T3 = new Date("2024-04-03T00:00:00Z");

describe("batched upserts", () => {
  it("collapse duplicate keys in one batch to the last row, written once", async () => {
    const { db } = warehouse;
    const count = await upsertChatMembers(
      db,
      [
        memberRow("dup-chat", "m1", { display_name: "first" }),
        memberRow("dup-chat", "m2"),
        memberRow("dup-chat", "m1", { display_name: "last" }),
      ],
      T1,
    );
    expect(count).toEqual({ inserted: 2, updated: 0 });
    const rows = await db
      .selectFrom("teams.chat_members")
      .select(["membership_id", "display_name"])
      .where("chat_id", "=", "dup-chat")
      .orderBy("membership_id")
      .execute();
    expect(rows).toEqual([
      { membership_id: "m1", display_name: "last" },
      { membership_id: "m2", display_name: "Member m2" },
    ]);
  });

  it("order rows by key so concurrent transactions lock shared rows in the same order", () => {
    const rows = [
      { a: "b", b: "1" },
      { a: "a", b: "2" },
      { a: "a", b: "10" },
      { a: "b", b: "1", last: true },
    ];
    expect(dedupeAndSort(rows, ["a", "b"])).toEqual([
      { a: "a", b: "10" },
      { a: "a", b: "2" },
      { a: "b", b: "1", last: true },
    ]);
  });

  it("set first_seen_at on insert and move last_seen_at only when the row changes, clearing deleted_at", async () => {
    const { db } = warehouse;
    const read = () =>
      db
        .selectFrom("teams.chats")
        .select(["topic", "first_seen_at", "last_seen_at", "deleted_at"])
        .where("chat_id", "=", "seen-chat")
        .executeTakeFirstOrThrow();
    expect(await upsertChats(db, [chatRow("seen-chat")], T1)).toEqual({ inserted: 1, updated: 0 });
    expect(await upsertChats(db, [chatRow("seen-chat")], T2)).toEqual({ inserted: 0, updated: 0 });
    expect(await read()).toEqual({
      topic: "Topic of seen-chat",
      first_seen_at: T1,
      last_seen_at: T1,
      deleted_at: null,
    });
    await upsertChats(db, [chatRow("seen-chat", { topic: "New" })], T2);
    expect(await read()).toEqual({
      topic: "New",
      first_seen_at: T1,
      last_seen_at: T2,
      deleted_at: null,
    });
    await db
      .updateTable("teams.chats")
      .set({ deleted_at: T2 })
      .where("chat_id", "=", "seen-chat")
      .execute();
    expect(await upsertChats(db, [chatRow("seen-chat", { topic: "New" })], T3)).toEqual({
      inserted: 0,
      updated: 1,
    });
    expect(await read()).toEqual({
      topic: "New",
      first_seen_at: T1,
      last_seen_at: T3,
      deleted_at: null,
    });
  });

  it("without the probe for unchanged rows (mayExist: false), give the same rows and counts, also for rows that exist", async () => {
    const { db } = warehouse;
    const read = (chatId: string) =>
      db
        .selectFrom("teams.chat_members")
        .select(["membership_id", "display_name", "first_seen_at", "last_seen_at", "removed_at"])
        .where("chat_id", "=", chatId)
        .orderBy("membership_id")
        .execute();
    const unprobed = { mayExist: false };
    for (const [chatId, options] of [
      ["probed-chat", {}],
      ["unprobed-chat", unprobed],
    ] as const) {
      const rows = [memberRow(chatId, "m1"), memberRow(chatId, "m2"), memberRow(chatId, "m3")];
      expect(await upsertChatMembers(db, rows, T1, options)).toEqual({ inserted: 3, updated: 0 });
      // m1 unchanged, m2 changed, m3 back after a removal, m4 new.
      await db
        .updateTable("teams.chat_members")
        .set({ removed_at: T1 })
        .where("chat_id", "=", chatId)
        .where("membership_id", "=", "m3")
        .execute();
      const again = [
        memberRow(chatId, "m1"),
        memberRow(chatId, "m2", { display_name: "Renamed" }),
        memberRow(chatId, "m3"),
        memberRow(chatId, "m4"),
      ];
      expect(await upsertChatMembers(db, again, T2, options)).toEqual({ inserted: 1, updated: 2 });
    }
    expect(await read("unprobed-chat")).toEqual(await read("probed-chat"));
    expect(await read("unprobed-chat")).toEqual([
      {
        membership_id: "m1",
        display_name: "Member m1",
        first_seen_at: T1,
        last_seen_at: T1,
        removed_at: null,
      },
      {
        membership_id: "m2",
        display_name: "Renamed",
        first_seen_at: T1,
        last_seen_at: T2,
        removed_at: null,
      },
      {
        membership_id: "m3",
        display_name: "Member m3",
        first_seen_at: T1,
        last_seen_at: T2,
        removed_at: null,
      },
      {
        membership_id: "m4",
        display_name: "Member m4",
        first_seen_at: T2,
        last_seen_at: T2,
        removed_at: null,
      },
    ]);
  });

  it("treat jsonb that differs only in key order or spacing as unchanged", async () => {
    const { db } = warehouse;
    await upsertChats(db, [chatRow("json-chat", { raw: { a: 1, b: { c: [1, 2] } } })], T1);
    expect(
      await upsertChats(db, [chatRow("json-chat", { raw: { b: { c: [1, 2] }, a: 1 } })], T2),
    ).toEqual({ inserted: 0, updated: 0 });
    expect(
      await upsertChats(db, [chatRow("json-chat", { raw: { b: { c: [2, 1] }, a: 1 } })], T2),
    ).toEqual({ inserted: 0, updated: 1 });
  });

  it("store quotes, backslashes, SQL, unicode and NUL characters as data", async () => {
    const { db } = warehouse;
    const id = `19:x'); drop table teams.chats; --@thread.v2`;
    const topic = `O'Brien's "chat" \\ back\\slash $1 %s ${"\u{1F600}"} é`;
    await upsertChats(
      db,
      [
        chatRow(id, {
          topic,
          raw: { "quote'key": `va"l\\ue'`, nul: "a\u0000b", lone: "x\ud800y" },
        }),
      ],
      T1,
    );
    await upsertChatMembers(db, [memberRow(id, "m'1", { roles: ["owner", "gu,e{st}\"'"] })], T1);
    await upsertMessagePreviews(
      db,
      [previewRow(id, "msg", { body_content: "<p>a\u0000b</p>", event_detail: { x: "'; --" } })],
      T1,
    );
    const chat = await db
      .selectFrom("teams.chats")
      .select(["chat_id", "topic", "raw"])
      .where("chat_id", "=", id)
      .executeTakeFirstOrThrow();
    expect(chat).toEqual({
      chat_id: id,
      topic,
      raw: { "quote'key": `va"l\\ue'`, nul: "a\ufffdb", lone: "x\ufffdy" },
    });
    const member = await db
      .selectFrom("teams.chat_members")
      .select(["membership_id", "roles"])
      .where("chat_id", "=", id)
      .executeTakeFirstOrThrow();
    expect(member).toEqual({ membership_id: "m'1", roles: ["owner", "gu,e{st}\"'"] });
    const preview = await db
      .selectFrom("teams.message_previews")
      .select(["body_content", "event_detail"])
      .where("chat_id", "=", id)
      .executeTakeFirstOrThrow();
    expect(preview).toEqual({ body_content: "<p>a\ufffdb</p>", event_detail: { x: "'; --" } });
  });

  it("store Graph's timestamps: 7 fractional digits to the microsecond, the raw text kept, null as NULL", async () => {
    const { db } = warehouse;
    await upsertChats(
      db,
      [
        chatRow("time-chat", {
          created_at: "2024-03-01T10:00:41.9085453Z",
          last_updated_at: "2024-03-01T10:00:41.9085457Z",
          last_updated_raw: "2024-03-01T10:00:41.9085457Z",
          original_created_at: null,
        }),
      ],
      T1,
    );
    const { rows } = await sql<Record<string, string | null>>`
      select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') as created,
             to_char(last_updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') as updated,
             last_updated_raw, original_created_at::text as original
      from teams.chats where chat_id = 'time-chat'`.execute(db);
    expect(rows[0]).toEqual({
      created: "2024-03-01T10:00:41.908545",
      updated: "2024-03-01T10:00:41.908546",
      last_updated_raw: "2024-03-01T10:00:41.9085457Z",
      original: null,
    });
  });

  it("write more rows in one call than 65535 parameters would allow", async () => {
    const { db } = warehouse;
    const chats = Array.from({ length: 5_000 }, (_, i) => chatRow(`bulk-${i}`));
    const members = chats.flatMap((c) =>
      Array.from({ length: 5 }, (_, m) => memberRow(c.chat_id, `m${m}`)),
    );
    // 5,000 chats x 17 columns and 25,000 members x 10 columns as bind parameters.
    expect(chats.length * 17).toBeGreaterThan(65_535);
    expect(await upsertChats(db, chats, T1)).toEqual({ inserted: 5_000, updated: 0 });
    expect(await upsertChatMembers(db, members, T1)).toEqual({ inserted: 25_000, updated: 0 });
    expect(await upsertChatMembers(db, members, T2)).toEqual({ inserted: 0, updated: 0 });
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from teams.chat_members where chat_id like 'bulk-%'`.execute(db);
    expect(rows[0]?.n).toBe(25_000);
  });
});
