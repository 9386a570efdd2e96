import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, inject } from "vitest";

export interface TestDatabase {
  /** Connection string of this test file's own database. */
  readonly url: string;
  readonly name: string;
}

/**
 * Gives the calling test file a fresh, empty database on the run's Postgres server and
 * drops it when the file's tests end. Use the returned object inside tests (it is filled
 * in by beforeAll).
 */
export function useTestDatabase(): TestDatabase {
  const handle = { url: "", name: "" };
  const admin = inject("adminDatabaseUrl");
  beforeAll(async () => {
    handle.name = `t_${randomBytes(6).toString("hex")}`;
    await withClient(admin, (c) => c.query(`CREATE DATABASE "${handle.name}"`));
    const url = new URL(admin);
    url.pathname = `/${handle.name}`;
    handle.url = url.toString();
  });
  afterAll(async () => {
    if (handle.name) {
      await withClient(admin, (c) =>
        c.query(`DROP DATABASE IF EXISTS "${handle.name}" WITH (FORCE)`),
      );
    }
  });
  return handle;
}

/** A short-lived client on `url` for `fn`, always closed. */
export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
