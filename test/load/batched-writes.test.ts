import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { advanceWatermarks } from "../../src/load/advance-watermark.ts";
import { writeFollowUpMarks } from "../../src/load/follow-up-marks.ts";
import type { Database } from "../../src/load/schema.ts";
import { ANALYZE_MIN_ROWS, TableStatistics } from "../../src/load/table-statistics.ts";
import { upsertChats } from "../../src/load/upsert-chats.ts";
import { chatRow } from "./fixtures.ts";
import { newRun, useWarehouse } from "./warehouse.ts";

const warehouse = useWarehouse();
const at = new Date(Date.UTC(2024, 3, 1));

describe("advanceWatermarks", () => {
  it("moves every stream of a user in one call, each only forward", async () => {
    const { db } = warehouse;
    const runId = await newRun(db);
    const user = "wm-batch";
    expect(
      await advanceWatermarks(
        db,
        user,
        runId,
        new Map([
          ["chats", "2024-05-01T00:00:00.5Z"],
          ["members", "2024-05-01T00:00:00Z"],
        ]),
      ),
    ).toEqual(["chats", "members"]);

    const later = await newRun(db);
    const written = await advanceWatermarks(
      db,
      user,
      later,
      new Map([
        ["chats", "2024-05-01T00:00:00.4999999Z"], // earlier: stays
        ["members", "2024-05-01T00:00:00.0000001Z"], // later: moves
        ["previews", "2024-05-03T00:00:00Z"], // new stream: written
      ]),
    );
    expect(written).toEqual(["members", "previews"]);
    const rows = await db
      .selectFrom("teams.sync_watermarks")
      .select(["stream", "watermark_raw", "run_id"])
      .where("user_id", "=", user)
      .orderBy("stream")
      .execute();
    expect(rows).toEqual([
      { stream: "chats", watermark_raw: "2024-05-01T00:00:00.5Z", run_id: runId },
      { stream: "members", watermark_raw: "2024-05-01T00:00:00.0000001Z", run_id: later },
      { stream: "previews", watermark_raw: "2024-05-03T00:00:00Z", run_id: later },
    ]);
    expect(await advanceWatermarks(db, user, later, new Map())).toEqual([]);
  });
});

describe("writeFollowUpMarks", () => {
  it("writes the marks of both streams in one statement, keeping a stream a chat has no mark for", async () => {
    const { db } = warehouse;
    const ids = ["marks-a", "marks-b", "marks-c"];
    await upsertChats(
      db,
      ids.map((id) => chatRow(id)),
      at,
    );
    const marks = async () =>
      db
        .selectFrom("teams.chats")
        .select(["chat_id", "members_synced_raw", "operations_synced_raw"])
        .where("chat_id", "in", ids)
        .orderBy("chat_id")
        .execute();

    const marked = (stream: string, entries: [string, string | null][]) => ({
      stream,
      marks: new Map(entries),
    });
    const first = [
      marked("members", [
        ["marks-a", "2024-05-01T00:00:00.1234567Z"],
        ["marks-b", null],
      ]),
      marked("operations", [["marks-a", "2024-05-01T00:00:00.1234567Z"]]),
    ];
    // marks-b: a null mark (loaded while the chat had no lastUpdatedDateTime) is a mark.
    expect(await writeFollowUpMarks(db, first)).toBe(1);
    expect(await writeFollowUpMarks(db, first)).toBe(0);
    // Operations only: marks-a keeps its members mark; a chat not in the warehouse is skipped.
    expect(
      await writeFollowUpMarks(db, [
        marked("operations", [
          ["marks-a", "2024-05-02T00:00:00Z"],
          ["marks-c", "2024-05-02T00:00:00Z"],
          ["not-a-chat", "2024-05-02T00:00:00Z"],
        ]),
      ]),
    ).toBe(2);
    expect(await marks()).toEqual([
      {
        chat_id: "marks-a",
        members_synced_raw: "2024-05-01T00:00:00.1234567Z",
        operations_synced_raw: "2024-05-02T00:00:00Z",
      },
      { chat_id: "marks-b", members_synced_raw: null, operations_synced_raw: null },
      {
        chat_id: "marks-c",
        members_synced_raw: null,
        operations_synced_raw: "2024-05-02T00:00:00Z",
      },
    ]);
    expect(await writeFollowUpMarks(db, [])).toBe(0);
  });
});

describe("TableStatistics", () => {
  const analyzed = async (db: Kysely<Database>) => {
    const { rows } = await sql<{ reltuples: number; analyzes: number }>`
      select c.reltuples::float8 as reltuples, s.analyze_count::int as analyzes
      from pg_class c join pg_stat_user_tables s on s.relid = c.oid
      where c.oid = 'teams.user_chats'::regclass`.execute(db);
    return rows[0];
  };
  const addUserChats = async (db: Kysely<Database>, from: number, count: number) => {
    await sql`
      insert into teams.user_chats (user_id, chat_id, first_seen_at, last_seen_at)
      select 'stats-user', 'stats-chat-' || n, now(), now()
      from generate_series(${from}::int, ${from + count - 1}::int) n`.execute(db);
  };

  it("analyzes a table once a run has doubled it, and not before", async () => {
    const { db } = warehouse;
    const errors: unknown[] = [];
    const statistics = new TableStatistics(db, (error) => errors.push(error));
    // Manual analyzes only (autovacuum's are counted apart), since this test began.
    const start = (await analyzed(db))?.analyzes ?? 0;
    const analyzes = async () => ((await analyzed(db))?.analyzes ?? 0) - start;

    await addUserChats(db, 0, ANALYZE_MIN_ROWS - 1);
    await statistics.inserted({ user_chats: { inserted: ANALYZE_MIN_ROWS - 1 } });
    expect(await analyzes()).toBe(0);

    await addUserChats(db, ANALYZE_MIN_ROWS - 1, 1);
    await statistics.inserted({ user_chats: { inserted: 1 } });
    expect(await analyzes()).toBe(1);
    expect((await analyzed(db))?.reltuples).toBe(ANALYZE_MIN_ROWS);

    // Half as many again: not yet (the table held 1,000 at its analyze).
    await addUserChats(db, ANALYZE_MIN_ROWS, 500);
    await statistics.inserted({ user_chats: { inserted: 500 } });
    expect(await analyzes()).toBe(1);
    await addUserChats(db, ANALYZE_MIN_ROWS + 500, 500);
    await statistics.inserted({ user_chats: { inserted: 500 } });
    expect(await analyzes()).toBe(2);
    expect((await analyzed(db))?.reltuples).toBe(2 * ANALYZE_MIN_ROWS);
    expect(errors).toEqual([]);
  });

  it("reports a failure instead of throwing: the load it follows has committed", async () => {
    const pool = new pg.Pool({
      connectionString: "postgres://nobody:nothing@127.0.0.1:1/none",
      connectionTimeoutMillis: 2_000,
    });
    const unreachable = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const errors: unknown[] = [];
    try {
      const statistics = new TableStatistics(unreachable, (error) => errors.push(error));
      await expect(
        statistics.inserted({ chats: { inserted: 10 * ANALYZE_MIN_ROWS } }),
      ).resolves.toBeUndefined();
      expect(errors).toHaveLength(1);
      // Nothing inserted, nothing to do: not even a query.
      await statistics.inserted({});
      expect(errors).toHaveLength(1);
    } finally {
      await unreachable.destroy();
    }
  });
});
