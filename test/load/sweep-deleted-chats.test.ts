import { describe, expect, it } from "vitest";
import { loadListing } from "./fixtures.ts";
import { markDeletedChats } from "../../src/load/sweep-deleted-chats.ts";
import { listed, userInput } from "./fixtures.ts";
import { newRun, useWarehouse } from "./warehouse.ts";

const warehouse = useWarehouse();
const at = (day: number) => new Date(Date.UTC(2024, 3, day));

async function deletedAt(chatId: string) {
  const row = await warehouse.db
    .selectFrom("teams.chats")
    .select("deleted_at")
    .where("chat_id", "=", chatId)
    .executeTakeFirstOrThrow();
  return row.deleted_at;
}

describe("markDeletedChats", () => {
  it("marks a chat deleted only once it is gone from every user's complete listing, and clears it when it is listed again", async () => {
    const { db } = warehouse;
    const runId = await newRun(db);
    const load = (userId: string, chats: string[], day: number) =>
      loadListing(
        db,
        userInput(
          runId,
          userId,
          chats.map((c) => listed(userId, c)),
          { seenAt: at(day) },
        ),
      );
    await load("ann", ["shared", "ann-only"], 1);
    await load("ben", ["shared"], 1);
    expect(await markDeletedChats(db, at(1))).toEqual({ deleted: 0, restored: 0 });

    await load("ann", ["ann-only"], 2);
    expect(await markDeletedChats(db, at(2))).toEqual({ deleted: 0, restored: 0 });
    expect(await deletedAt("shared")).toBeNull();

    // Ben's listing failed half-way: his chats stay, so does the chat.
    // (a failed listing commits nothing of the user)
    expect(await markDeletedChats(db, at(3))).toEqual({ deleted: 0, restored: 0 });
    expect(await deletedAt("shared")).toBeNull();

    await load("ben", [], 4);
    expect(await markDeletedChats(db, at(4))).toEqual({ deleted: 1, restored: 0 });
    expect(await deletedAt("shared")).toEqual(at(4));
    expect(await deletedAt("ann-only")).toBeNull();
    // A second sweep keeps the first deletion time.
    expect(await markDeletedChats(db, at(5))).toEqual({ deleted: 0, restored: 0 });
    expect(await deletedAt("shared")).toEqual(at(4));

    // Reappearing in a listing clears it right away (the user's transaction)...
    const back = await load("ben", ["shared"], 6);
    expect(back.chats).toEqual({ inserted: 0, updated: 1 });
    expect(await deletedAt("shared")).toBeNull();
    expect(await markDeletedChats(db, at(6))).toEqual({ deleted: 0, restored: 0 });
  });

  it("clears deleted_at of a deleted chat that has an active viewpoint again", async () => {
    const { db } = warehouse;
    const runId = await newRun(db);
    await loadListing(db, userInput(runId, "cy", [listed("cy", "revived")], { seenAt: at(1) }));
    await loadListing(db, userInput(runId, "cy", [], { seenAt: at(2) }));
    expect(await markDeletedChats(db, at(2))).toEqual({ deleted: 1, restored: 0 });
    // ...and the sweep agrees even if only the viewpoint came back.
    await db
      .updateTable("teams.user_chats")
      .set({ removed_at: null })
      .where("user_id", "=", "cy")
      .execute();
    expect(await markDeletedChats(db, at(3))).toEqual({ deleted: 0, restored: 1 });
    expect(await deletedAt("revived")).toBeNull();
  });
});
