import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { loadListing } from "./fixtures.ts";
import { chatRow, listed, memberRow, operationRow, previewRow, userInput } from "./fixtures.ts";
import { newRun, useWarehouse } from "./warehouse.ts";

const USERS = 12;
const CHATS = 40;
const warehouse = useWarehouse({ maxConnections: USERS });

describe("concurrent user loads", () => {
  it("commit users sharing chats in parallel without a deadlock or a single retry", async () => {
    const { db } = warehouse;
    const runId = await newRun(db);
    const users = Array.from({ length: USERS }, (_, i) => `user-${i}`);
    // Users list the shared chats in different orders and, each round, with different
    // content, so every load rewrites the same rows the others are writing.
    const input = (userId: string, u: number, round: number) => {
      const ids = Array.from({ length: CHATS }, (_, c) => `shared-${(c * 7 + u) % CHATS}`);
      const chats = ids.map((chatId) =>
        listed(
          userId,
          chatId,
          Array.from({ length: 5 }, (_, m) =>
            memberRow(chatId, `m${m}`, { display_name: `r${round} by ${userId}` }),
          ),
          {
            chat: chatRow(chatId, { topic: `round ${round} by ${userId}` }),
            preview: previewRow(chatId, `msg-${round}`, { is_deleted: u % 2 === 0 }),
          },
        ),
      );
      return userInput(runId, userId, chats, {
        seenAt: new Date(Date.UTC(2024, 3, 1 + round)),
        operations: ids.map((c) => operationRow(c, `op-${c}`, { attempts_count: u })),
      });
    };
    for (let round = 0; round < 3; round++) {
      // The loads are not retried: a deadlock or serialization failure would reject.
      await Promise.all(users.map((userId, u) => loadListing(db, input(userId, u, round))));
    }
    const { rows } = await sql<Record<string, number>>`
      select (select count(*)::int from teams.chats) as chats,
             (select count(*)::int from teams.chat_members) as members,
             (select count(*)::int from teams.user_chats where removed_at is null) as viewpoints,
             (select count(*)::int from teams.message_previews) as previews,
             (select count(*)::int from teams.chat_operations) as operations,
             (select count(*)::int from teams.sync_run_users where status = 'succeeded') as users`.execute(
      db,
    );
    expect(rows[0]).toEqual({
      chats: CHATS,
      members: CHATS * 5,
      viewpoints: USERS * CHATS,
      previews: CHATS * 3,
      operations: CHATS,
      users: USERS,
    });
  });
});
