import pg from "pg";
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../support/database.ts";

const db = useTestDatabase();

describe("test database", () => {
  it("is a real, empty Postgres database of this file's own that can create, write and read a table", async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows: current } = await client.query<{ name: string }>(
        "select current_database() as name",
      );
      expect(current[0]?.name).toBe(db.name);
      const { rows: tables } = await client.query(
        "select 1 from information_schema.tables where table_schema = 'public'",
      );
      expect(tables).toHaveLength(0);
      await client.query("create table probe (id int primary key, note text not null)");
      await client.query("insert into probe values (1, 'written'), (2, $1)", [
        "with \u00e9 and 'quotes'",
      ]);
      const { rows } = await client.query("select id, note from probe order by id");
      expect(rows).toEqual([
        { id: 1, note: "written" },
        { id: 2, note: "with \u00e9 and 'quotes'" },
      ]);
      const { rows: version } = await client.query<{ v: string }>(
        "select current_setting('server_version_num') as v",
      );
      expect(Number(version[0]?.v)).toBeGreaterThanOrEqual(140000);
    } finally {
      await client.end();
    }
  });
});
