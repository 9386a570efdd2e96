import type { Kysely } from "kysely";
import { afterAll, beforeAll } from "vitest";
import { openDatabase, type DatabaseOptions } from "../../src/load/connect.ts";
import { migrateToLatest } from "../../src/load/migrate.ts";
import type { Database } from "../../src/load/schema.ts";
import { startRun } from "../../src/load/runs.ts";
import { useTestDatabase, type TestDatabase } from "../support/database.ts";

export interface Warehouse {
  readonly database: TestDatabase;
  /** Filled in by beforeAll. */
  db: Kysely<Database>;
}

/** This test file's own database, migrated to latest, with a pool open on it. */
export function useWarehouse(options: DatabaseOptions = {}): Warehouse {
  const database = useTestDatabase();
  const handle = { database } as Warehouse;
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const opened = openDatabase(database.url, options);
    close = opened.close;
    handle.db = opened.db;
    const { error } = await migrateToLatest(opened.db);
    if (error) throw error;
  });
  afterAll(async () => {
    await close?.();
  });
  return handle;
}

export async function newRun(db: Kysely<Database>): Promise<number> {
  return (await startRun(db, { trigger: "manual", streams: ["chats", "members"] })).runId;
}
