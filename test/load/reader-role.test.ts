import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateToLatest, openDatabase, type OpenDatabase } from "../../src/load/index.ts";
import { useTestDatabase } from "../support/database.ts";

const database = useTestDatabase();
let open: OpenDatabase;

beforeAll(async () => {
  open = openDatabase(database.url);
  const { error } = await migrateToLatest(open.db);
  expect(error).toBeUndefined();
});
afterAll(() => open.close());

/** Runs `fn` as a login role that is a member of teams_reader only. */
async function asReader<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const login = `reader_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  await admin.query(`create role ${login} login password 'pw' in role teams_reader`);
  const url = new URL(database.url);
  url.username = login;
  url.password = "pw";
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
    await admin.query(`drop owned by ${login}`);
    await admin.query(`drop role ${login}`);
    await admin.end();
  }
}

describe("teams_reader role", () => {
  it("exists, cannot log in, and lets its members read every table of schema teams", async () => {
    const { rows } = await sql<{ rolcanlogin: boolean }>`
      select rolcanlogin from pg_roles where rolname = 'teams_reader'`.execute(open.db);
    expect(rows).toEqual([{ rolcanlogin: false }]);
    await asReader(async (client) => {
      const { rows: tables } = await client.query<{ table_name: string }>(
        "select table_name from information_schema.tables where table_schema = 'teams' order by 1",
      );
      expect(tables.length).toBeGreaterThanOrEqual(10);
      for (const { table_name } of tables) {
        await client.query(`select count(*) from teams.${table_name}`);
      }
    });
  });

  it("cannot write", async () => {
    await asReader(async (client) => {
      await expect(
        client.query("insert into teams.sync_runs (trigger) values ('manual')"),
      ).rejects.toThrow(/permission denied/);
      await expect(client.query("delete from teams.chats")).rejects.toThrow(/permission denied/);
    });
  });
});
