import { sql, type Kysely } from "kysely";
import { describe, expect, it } from "vitest";
import {
  openDatabase,
  upsertChatMessages,
  type ChatMessageWrites,
  type Database,
} from "../../src/load/index.ts";
import {
  normalizeChatMessage,
  type NormalizedChatMessage,
  type NormalizeOptions,
} from "../../src/normalize/index.ts";
import { counterDelta, writeCounters } from "../support/pg-stat.ts";
import { messageFixture } from "../normalize/message-fixtures.ts";
import { useWarehouse } from "./warehouse.ts";

// One connection, so pg_stat_force_next_flush() runs in the session that did the writes.
const warehouse = useWarehouse({ maxConnections: 1 });

const TABLES = [
  "chat_messages",
  "chat_message_mentions",
  "chat_message_reactions",
  "chat_message_attachments",
];
const ZERO_COUNTERS = Object.fromEntries(TABLES.map((t) => [t, { ins: 0, upd: 0, del: 0 }]));

let chatCounter = 0;
/** A chat id of its own per test, so tests sharing the database do not see each other. */
function newChat(): string {
  chatCounter += 1;
  return `19:test${chatCounter}${Math.random().toString(36).slice(2, 8)}@thread.v2`;
}

function graphMessage(
  id: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id,
    etag: id,
    messageType: "message",
    createdDateTime: "2024-05-01T10:00:00.1234567Z",
    lastModifiedDateTime: "2024-05-01T10:00:00.1234567Z",
    lastEditedDateTime: null,
    deletedDateTime: null,
    importance: "normal",
    from: { user: { id: "u-ada", displayName: "Ada", userIdentityType: "aadUser" } },
    body: { contentType: "html", content: `<p>Hello <at id="0">Bea</at> (${id})</p>` },
    mentions: [
      { id: 0, mentionText: "Bea", mentioned: { user: { id: "u-bea", displayName: "Bea" } } },
    ],
    reactions: [
      {
        reactionType: "like",
        createdDateTime: "2024-05-01T10:01:00Z",
        user: { user: { id: "u-bea" } },
      },
      {
        reactionType: "❤️",
        createdDateTime: "2024-05-01T10:02:00Z",
        user: { user: { id: "u-cy" } },
      },
    ],
    attachments: [
      { id: "att-1", contentType: "reference", contentUrl: "https://x/f.docx", name: "f.docx" },
    ],
    ...overrides,
  };
}

function normalized(
  chatId: string,
  item: Record<string, unknown>,
  options: Partial<NormalizeOptions> = {},
): NormalizedChatMessage {
  const result = normalizeChatMessage(item, chatId, options);
  if (!result.ok) throw new Error(result.rejected.reason);
  return result.value;
}

const NOTHING: ChatMessageWrites = {
  chat_messages: { inserted: 0, updated: 0 },
  chat_message_mentions: { inserted: 0, updated: 0, deleted: 0 },
  chat_message_reactions: { inserted: 0, updated: 0, deleted: 0 },
  chat_message_attachments: { inserted: 0, updated: 0, deleted: 0 },
  rowsWritten: 0,
};

async function stored(db: Kysely<Database>, chatId: string) {
  const messages = await db
    .selectFrom("teams.chat_messages")
    .selectAll()
    .where("chat_id", "=", chatId)
    .orderBy("message_id")
    .execute();
  const reactions = await db
    .selectFrom("teams.chat_message_reactions")
    .select(["message_id", "user_id", "reaction_type"])
    .where("chat_id", "=", chatId)
    .orderBy("message_id")
    .orderBy("user_id")
    .execute();
  const mentions = await db
    .selectFrom("teams.chat_message_mentions")
    .select(["message_id", "mention_id", "mentioned_id"])
    .where("chat_id", "=", chatId)
    .orderBy("message_id")
    .execute();
  const attachments = await db
    .selectFrom("teams.chat_message_attachments")
    .selectAll()
    .where("chat_id", "=", chatId)
    .orderBy("message_id")
    .execute();
  return { messages, reactions, mentions, attachments };
}

describe("upsertChatMessages", () => {
  it("inserts messages of many chats with their mentions, reactions and attachments; a message id repeated in two chats is two rows", async () => {
    const { db } = warehouse;
    const [a, b] = [newChat(), newChat()];
    const batch = [
      normalized(a, graphMessage("1")),
      normalized(a, graphMessage("2")),
      normalized(b, graphMessage("1", { body: { contentType: "text", content: "other chat" } })),
    ];
    const writes = await upsertChatMessages(db, batch, new Date("2024-06-01T00:00:00Z"));
    expect(writes).toEqual({
      chat_messages: { inserted: 3, updated: 0 },
      chat_message_mentions: { inserted: 3, updated: 0, deleted: 0 },
      chat_message_reactions: { inserted: 6, updated: 0, deleted: 0 },
      chat_message_attachments: { inserted: 3, updated: 0, deleted: 0 },
      rowsWritten: 15,
    });
    const inA = await stored(db, a);
    const inB = await stored(db, b);
    expect(inA.messages.map((m) => m.message_id)).toEqual(["1", "2"]);
    expect(inB.messages.map((m) => [m.message_id, m.body_text])).toEqual([["1", "other chat"]]);
    const [first] = inA.messages;
    expect(first).toMatchObject({
      last_modified_raw: "2024-05-01T10:00:00.1234567Z",
      body_text: "Hello Bea (1)",
      from_kind: "user",
      first_seen_at: new Date("2024-06-01T00:00:00Z"),
      last_seen_at: new Date("2024-06-01T00:00:00Z"),
    });
    // timestamptz keeps microseconds; the raw column keeps Graph's seventh digit.
    expect(first!.last_modified_at?.toISOString()).toBe("2024-05-01T10:00:00.123Z");
    expect(first!.raw).toMatchObject({ id: "1", etag: "1" });
    expect(inA.reactions).toEqual([
      { message_id: "1", user_id: "u-bea", reaction_type: "like" },
      { message_id: "1", user_id: "u-cy", reaction_type: "❤️" },
      { message_id: "2", user_id: "u-bea", reaction_type: "like" },
      { message_id: "2", user_id: "u-cy", reaction_type: "❤️" },
    ]);
    expect(inA.mentions).toEqual([
      { message_id: "1", mention_id: 0, mentioned_id: "u-bea" },
      { message_id: "2", mention_id: 0, mentioned_id: "u-bea" },
    ]);
  });

  it("writes zero rows for an unchanged batch: by the returned counts and by pg_stat_user_tables", async () => {
    const { db } = warehouse;
    const chat = newChat();
    const batch = () => [
      normalized(chat, graphMessage("10")),
      normalized(chat, graphMessage("11", { reactions: [], mentions: [] })),
      normalized(chat, messageFixture("get-message-mentions-and-files.json")),
      normalized(chat, messageFixture("get-message-deleted.json")),
    ];
    const first = await upsertChatMessages(db, batch(), new Date("2024-06-01T00:00:00Z"));
    expect(first.chat_messages.inserted).toBe(4);
    const before = await writeCounters(db, TABLES);
    const again = await upsertChatMessages(db, batch(), new Date("2024-06-02T00:00:00Z"));
    expect(again).toEqual(NOTHING);
    expect(counterDelta(before, await writeCounters(db, TABLES))).toEqual(ZERO_COUNTERS);
    const { messages } = await stored(db, chat);
    expect(messages.every((m) => m.last_seen_at.toISOString() === "2024-06-01T00:00:00.000Z")).toBe(
      true,
    );
  });

  it("rewrites an edited message (last_seen_at moves, first_seen_at stays) and leaves its unchanged parts alone", async () => {
    const { db } = warehouse;
    const chat = newChat();
    await upsertChatMessages(
      db,
      [normalized(chat, graphMessage("20"))],
      new Date("2024-06-01T00:00:00Z"),
    );
    const before = await writeCounters(db, TABLES);
    const edited = graphMessage("20", {
      etag: "20-b",
      lastModifiedDateTime: "2024-05-02T08:00:00Z",
      lastEditedDateTime: "2024-05-02T08:00:00Z",
      body: { contentType: "html", content: '<p>Hello again <at id="0">Bea</at></p>' },
    });
    const writes = await upsertChatMessages(
      db,
      [normalized(chat, edited)],
      new Date("2024-06-03T00:00:00Z"),
    );
    expect(writes).toEqual({
      ...NOTHING,
      chat_messages: { inserted: 0, updated: 1 },
      rowsWritten: 1,
    });
    expect(counterDelta(before, await writeCounters(db, TABLES))).toEqual({
      ...ZERO_COUNTERS,
      chat_messages: { ins: 0, upd: 1, del: 0 },
    });
    const [row] = (await stored(db, chat)).messages;
    expect(row).toMatchObject({
      body_text: "Hello again Bea",
      etag: "20-b",
      last_modified_raw: "2024-05-02T08:00:00Z",
      first_seen_at: new Date("2024-06-01T00:00:00Z"),
      last_seen_at: new Date("2024-06-03T00:00:00Z"),
    });
    expect(row!.last_edited_at).toEqual(new Date("2024-05-02T08:00:00Z"));
  });

  it("removes a reaction removed in Teams and adds a new one; changed parts are updated", async () => {
    const { db } = warehouse;
    const chat = newChat();
    await upsertChatMessages(
      db,
      [normalized(chat, graphMessage("30"))],
      new Date("2024-06-01T00:00:00Z"),
    );
    const reacted = graphMessage("30", {
      etag: "30-b",
      lastModifiedDateTime: "2024-05-03T08:00:00Z",
      reactions: [
        {
          reactionType: "like",
          createdDateTime: "2024-05-01T10:01:00Z",
          user: { user: { id: "u-bea" } },
        },
        {
          reactionType: "laugh",
          createdDateTime: "2024-05-03T08:00:00Z",
          user: { user: { id: "u-dee" } },
        },
      ],
      attachments: [
        {
          id: "att-1",
          contentType: "reference",
          contentUrl: "https://x/f.docx",
          name: "renamed.docx",
        },
      ],
    });
    const writes = await upsertChatMessages(
      db,
      [normalized(chat, reacted)],
      new Date("2024-06-02T00:00:00Z"),
    );
    expect(writes).toEqual({
      chat_messages: { inserted: 0, updated: 1 },
      chat_message_mentions: { inserted: 0, updated: 0, deleted: 0 },
      chat_message_reactions: { inserted: 1, updated: 0, deleted: 1 },
      chat_message_attachments: { inserted: 0, updated: 1, deleted: 0 },
      rowsWritten: 4,
    });
    const { reactions, attachments } = await stored(db, chat);
    expect(reactions).toEqual([
      { message_id: "30", user_id: "u-bea", reaction_type: "like" },
      { message_id: "30", user_id: "u-dee", reaction_type: "laugh" },
    ]);
    expect(attachments.map((a) => a.name)).toEqual(["renamed.docx"]);
  });

  it("keeps a deleted message's row with deleted_at and the empty body; its parts go", async () => {
    const { db } = warehouse;
    const chat = newChat();
    await upsertChatMessages(
      db,
      [normalized(chat, graphMessage("40"))],
      new Date("2024-06-01T00:00:00Z"),
    );
    const deleted = graphMessage("40", {
      etag: "40-deleted",
      lastModifiedDateTime: "2024-05-04T09:00:00Z",
      deletedDateTime: "2024-05-04T09:00:00Z",
      from: null,
      body: { contentType: "text", content: "" },
      mentions: [],
      reactions: [],
      attachments: [],
    });
    const writes = await upsertChatMessages(
      db,
      [normalized(chat, deleted)],
      new Date("2024-06-02T00:00:00Z"),
    );
    expect(writes.chat_messages).toEqual({ inserted: 0, updated: 1 });
    expect(writes.chat_message_reactions.deleted).toBe(2);
    expect(writes.chat_message_mentions.deleted).toBe(1);
    expect(writes.chat_message_attachments.deleted).toBe(1);
    const { messages, reactions, mentions, attachments } = await stored(db, chat);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      deleted_at: new Date("2024-05-04T09:00:00Z"),
      body_content: "",
      body_text: "",
      from_kind: null,
      from_user_id: null,
      created_at: new Date("2024-05-01T10:00:00.123Z"),
    });
    expect([reactions, mentions, attachments]).toEqual([[], [], []]);
  });

  it("stores no message text in body-less mode: body columns, attachment content and raw", async () => {
    const { db } = warehouse;
    const chat = newChat();
    const item = messageFixture("get-message-mentions-and-files.json");
    await upsertChatMessages(
      db,
      [normalized(chat, item, { includeMessageBodies: false })],
      new Date("2024-06-01T00:00:00Z"),
    );
    const { messages, attachments } = await stored(db, chat);
    expect(messages[0]).toMatchObject({
      body_content: null,
      body_text: null,
      body_content_type: "html",
    });
    expect(attachments.map((a) => a.content)).toEqual([null, null]);
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from teams.chat_messages
      where chat_id = ${chat} and (raw::text like '%please review%' or raw::text like '%AdaptiveCard%')`.execute(
      db,
    );
    expect(rows[0]!.n).toBe(0);
    // Turning bodies on later fills them in: the row differs, so it is rewritten.
    const withBodies = await upsertChatMessages(
      db,
      [normalized(chat, item)],
      new Date("2024-06-02T00:00:00Z"),
    );
    expect(withBodies.chat_messages.updated).toBe(1);
    expect(withBodies.chat_message_attachments.updated).toBe(1);
  });

  it("gives the same result in chunks, without the probe for new messages, and with a message given twice (last wins)", async () => {
    const { db } = warehouse;
    const [a, b] = [newChat(), newChat()];
    const batch = [b, a].flatMap((chat) =>
      ["5", "3", "4", "1", "2"].map((id) => normalized(chat, graphMessage(id))),
    );
    const twice = normalized(a, graphMessage("3", { subject: "last copy" }));
    const writes = await upsertChatMessages(
      db,
      [...batch, twice],
      new Date("2024-06-01T00:00:00Z"),
      {
        chunkSize: 3,
        mayExist: false,
      },
    );
    expect(writes.chat_messages).toEqual({ inserted: 10, updated: 0 });
    expect(writes.chat_message_reactions.inserted).toBe(20);
    expect((await stored(db, a)).messages.find((m) => m.message_id === "3")?.subject).toBe(
      "last copy",
    );
    const again = await upsertChatMessages(
      db,
      [...batch, twice],
      new Date("2024-06-02T00:00:00Z"),
      {
        chunkSize: 4,
      },
    );
    expect(again).toEqual(NOTHING);
  });

  it("keeps the newer version when an older copy commits after it (two members' reads in any order)", async () => {
    const { db } = warehouse;
    const chat = newChat();
    const newer = graphMessage("30", {
      etag: "30-b",
      lastModifiedDateTime: "2024-05-03T08:00:00Z",
      body: { contentType: "html", content: "<p>edited</p>" },
      reactions: [],
    });
    await upsertChatMessages(db, [normalized(chat, newer)], new Date("2024-06-01T00:00:00Z"));
    const older = graphMessage("30", { lastModifiedDateTime: "2024-05-01T10:00:00Z" });
    const writes = await upsertChatMessages(
      db,
      [normalized(chat, older)],
      new Date("2024-06-02T00:00:00Z"),
    );
    expect(writes).toEqual(NOTHING);
    const { messages, reactions } = await stored(db, chat);
    expect(messages.map((m) => [m.etag, m.body_text])).toEqual([["30-b", "edited"]]);
    expect(reactions).toEqual([]);
  });

  it("commits concurrent transactions over the same messages without deadlock, each message with its own parts", async () => {
    const chats = [newChat(), newChat(), newChat()];
    const version = (v: number) =>
      chats.flatMap((chat) =>
        ["1", "2", "3", "4", "5", "6"].map((id) =>
          normalized(
            chat,
            graphMessage(id, {
              etag: `${id}-${v}`,
              lastModifiedDateTime: `2024-05-0${v}T00:00:00Z`,
              reactions: [{ reactionType: `r${v}`, user: { user: { id: "u-bea" } } }],
            }),
          ),
        ),
      );
    const pool = openDatabase(warehouse.database.url, { maxConnections: 3 });
    try {
      // Each transaction gets its batch in another order; the loader sorts by key.
      const batches = [
        version(1),
        version(2).reverse(),
        version(3).sort(() => 0.5 - Math.random()),
      ];
      await Promise.all(
        batches.map((batch) =>
          pool.db
            .transaction()
            .execute((trx) => upsertChatMessages(trx, batch, new Date(), { chunkSize: 5 })),
        ),
      );
    } finally {
      await pool.close();
    }
    for (const chat of chats) {
      const { messages, reactions } = await stored(warehouse.db, chat);
      expect(messages).toHaveLength(6);
      for (const m of messages) {
        const v = m.etag!.split("-")[1];
        const own = reactions.filter((r) => r.message_id === m.message_id);
        expect(own.map((r) => r.reaction_type)).toEqual([`r${v}`]);
      }
    }
  });
});
