import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Migrator, NO_MIGRATIONS, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type OpenDatabase } from "../../src/load/connect.ts";
import { MIGRATIONS_FOLDER, migrateToLatest, pendingMigrations } from "../../src/load/migrate.ts";
import { FolderMigrationProvider } from "../../src/load/migration-provider.ts";
import { useTestDatabase } from "../support/database.ts";

const database = useTestDatabase();
let open: OpenDatabase;
let folder: string;

beforeAll(async () => {
  open = openDatabase(database.url);
  folder = await mkdtemp(path.join(os.tmpdir(), "tcs-migrations-"));
});
afterAll(async () => {
  await open.close();
  await rm(folder, { recursive: true, force: true });
});

describe("migrateToLatest on a fresh database", () => {
  it("returns the failing migration's error instead of throwing, and applies none of the batch", async () => {
    await writeFile(
      path.join(folder, "0001_good.mjs"),
      `export async function up(db) {
         await db.schema.withSchema("teams").createTable("probe").addColumn("id", "integer").execute();
       }`,
    );
    await writeFile(
      path.join(folder, "0002_broken.mjs"),
      `export async function up(db) {
         await db.schema.withSchema("teams").createTable("probe").addColumn("id", "integer").execute();
       }`,
    );
    const outcome = await migrateToLatest(open.db, { folder });
    expect(outcome.results).toEqual([
      { migrationName: "0001_good", direction: "Up", status: "Success" },
      { migrationName: "0002_broken", direction: "Up", status: "Error" },
    ]);
    expect(outcome.error).toMatchObject({ code: "42P07" });
    expect(String((outcome.error as Error).message)).toMatch(/"probe" already exists/);
    // One transaction: the good migration was rolled back with the broken one.
    const { rows } = await sql<{
      t: string | null;
    }>`select to_regclass('teams.probe')::text as t`.execute(open.db);
    expect(rows[0]?.t).toBeNull();
    expect(await pendingMigrations(open.db, { folder })).toEqual(["0001_good", "0002_broken"]);
  });

  it("returns an error naming a file in the folder that exports no up()", async () => {
    const other = await mkdtemp(path.join(os.tmpdir(), "tcs-migrations-"));
    try {
      await writeFile(path.join(other, "0001_not-a-migration.mjs"), "export const x = 1;");
      const outcome = await migrateToLatest(open.db, { folder: other });
      expect(outcome.results).toEqual([]);
      expect(String((outcome.error as Error).message)).toMatch(
        /migration 0001_not-a-migration\.mjs .* does not export up\(\)/,
      );
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it("roll every real migration down and up again", async () => {
    const tables = async () =>
      (
        await sql<{ name: string }>`
          select table_name as name from information_schema.tables
          where table_schema = 'teams' order by table_name`.execute(open.db)
      ).rows.map((r) => r.name);
    expect((await migrateToLatest(open.db)).error).toBeUndefined();
    const all = await tables();
    expect(all).toHaveLength(22);
    const migrator = new Migrator({
      db: open.db,
      provider: new FolderMigrationProvider({ folder: MIGRATIONS_FOLDER }),
      migrationTableSchema: "teams",
    });
    const down = await migrator.migrateTo(NO_MIGRATIONS);
    expect(down.error).toBeUndefined();
    const migrations = await new FolderMigrationProvider({
      folder: MIGRATIONS_FOLDER,
    }).getMigrations();
    expect(down.results?.map((r) => r.status)).toEqual(
      Object.keys(migrations).map(() => "Success"),
    );
    expect(await tables()).toEqual(["kysely_migration", "kysely_migration_lock"]);
    const up = await migrateToLatest(open.db);
    expect(up.error).toBeUndefined();
    expect(await tables()).toEqual(all);
  });
});
