import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { listed, loadListing, operationRow, userInput } from "./fixtures.ts";
import { newRun, useWarehouse } from "./warehouse.ts";

// One connection, so that every load and the catalog query share it.
const warehouse = useWarehouse({ maxConnections: 1 });

describe("the loader's hot statements", () => {
  it("run as prepared statements named where they are declared, each prepared once on a connection", async () => {
    const { db } = warehouse;
    const runId = await newRun(db);
    const chats = [
      listed("u-named", "c-named-1"),
      listed("u-named", "c-named-2", undefined, { viewpoint: null }),
    ];
    const input = userInput(runId, "u-named", chats, {
      operations: [operationRow("c-named-1", "op-named-1")],
    });
    // First the chats are new (statements without the probe), then known.
    await loadListing(db, input);
    await loadListing(db, input);
    const { rows } = await sql<{ name: string; executions: number }>`
      select name, generic_plans + custom_plans as executions
      from pg_prepared_statements order by name`.execute(db);
    expect(rows.map((r) => r.name)).toEqual([
      "mark_removed_members",
      "mark_removed_user_chats",
      "update_follow_up_marks_members",
      "upsert_chat_members",
      "upsert_chat_members_new",
      "upsert_chat_operations",
      "upsert_chats",
      "upsert_message_previews",
      "upsert_message_previews_new",
      "upsert_user_chats",
      "upsert_user_chats_listed",
    ]);
    // Both loads ran the one statement prepared by the first.
    const executions = Object.fromEntries(rows.map((r) => [r.name, Number(r.executions)]));
    expect(executions).toMatchObject({ upsert_chats: 2, mark_removed_user_chats: 2 });
  });
});
