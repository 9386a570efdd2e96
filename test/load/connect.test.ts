import { sql } from "kysely";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { openDatabase, type OpenDatabase } from "../../src/load/connect.ts";
import { executeNamed } from "../../src/load/named-statement.ts";
import { useTestDatabase } from "../support/database.ts";

const database = useTestDatabase();

async function using<T>(open: OpenDatabase, fn: (o: OpenDatabase) => Promise<T>): Promise<T> {
  try {
    return await fn(open);
  } finally {
    await open.close();
  }
}

function withParams(url: string, params: Record<string, string>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

describe("openDatabase", () => {
  it("names its connections teams-chat-sync and reads int8 counts as numbers", async () => {
    await using(openDatabase(database.url), async ({ db }) => {
      const { rows } = await sql<{ app: string; n: unknown; big: unknown }>`
        select current_setting('application_name') as app, count(*) as n, 9007199254740991::int8 as big
        from generate_series(1, 3)`.execute(db);
      expect(rows[0]).toEqual({ app: "teams-chat-sync", n: 3, big: 9007199254740991 });
    });
  });

  it("commits without waiting for the WAL flush, except the run's final commit", async () => {
    await using(openDatabase(database.url), async ({ db }) => {
      const setting = async (executor: typeof db) =>
        (
          await sql<{ s: string }>`select current_setting('synchronous_commit') as s`.execute(
            executor,
          )
        ).rows[0]?.s;
      expect(await setting(db)).toBe("off");
      // finishRun's way: on for its transaction only.
      await db.transaction().execute(async (trx) => {
        await sql`set local synchronous_commit = on`.execute(trx);
        expect(await setting(trx)).toBe("on");
      });
      expect(await setting(db)).toBe("off");
    });
  });

  it("lets application_name in the URL win over the default", async () => {
    await using(
      openDatabase(withParams(database.url, { application_name: "bi-check" })),
      async ({ db }) => {
        const { rows } = await sql<{
          app: string;
        }>`select current_setting('application_name') as app`.execute(db);
        expect(rows[0]?.app).toBe("bi-check");
      },
    );
  });

  it("applies statement_timeout to every statement", async () => {
    await using(openDatabase(database.url, { statementTimeoutMs: 150 }), async ({ db }) => {
      const { rows } = await sql<{
        t: string;
      }>`select current_setting('statement_timeout') as t`.execute(db);
      expect(rows[0]?.t).toBe("150ms");
      await expect(sql`select pg_sleep(2)`.execute(db)).rejects.toMatchObject({ code: "57014" });
    });
  });

  it("honours sslmode in the URL as pg does: disable talks plain, verify-full insists on TLS", async () => {
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    const serverSsl = (await admin.query<{ ssl: string }>("show ssl")).rows[0]?.ssl;
    await admin.end();

    await using(openDatabase(withParams(database.url, { sslmode: "disable" })), async ({ db }) => {
      const { rows } = await sql<{ ssl: boolean }>`
        select ssl from pg_stat_ssl where pid = pg_backend_pid()`.execute(db);
      expect(rows[0]?.ssl).toBe(false);
    });
    const strict = openDatabase(withParams(database.url, { sslmode: "verify-full" }), {
      connectionTimeoutMs: 5_000,
    });
    await using(strict, async ({ db }) => {
      const attempt = sql`select 1`.execute(db);
      if (serverSsl === "off") {
        await expect(attempt).rejects.toThrow("The server does not support SSL connections");
      } else {
        // A TLS server: verify-full demands a certificate this test cannot vouch for.
        await expect(attempt).rejects.toThrow();
      }
    });
  });

  it("survives an idle pooled connection being killed: reports it, then reconnects", async () => {
    const errors: Error[] = [];
    const name = `tcs-idle-${process.pid}`;
    await using(
      openDatabase(database.url, {
        applicationName: name,
        onIdleClientError: (e) => errors.push(e),
      }),
      async ({ db }) => {
        await sql`select 1`.execute(db);
        const admin = new pg.Client({ connectionString: database.url });
        await admin.connect();
        await admin.query(
          "select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1",
          [name],
        );
        await admin.end();
        await expect.poll(() => errors.length).toBe(1);
        expect(errors[0]?.message).toMatch(/terminat/);
        const { rows } = await sql<{ one: number }>`select 1 as one`.execute(db);
        expect(rows).toEqual([{ one: 1 }]);
      },
    );
  });

  it("runs named statements as prepared statements, once per connection, unless turned off", async () => {
    const name = "test_count_series";
    const counted = (db: OpenDatabase["db"]) =>
      executeNamed(
        db,
        name,
        sql<{ n: number }>`select count(*) as n from generate_series(1, ${3}::int)`,
      );
    const preparedHere = async (db: OpenDatabase["db"]) =>
      (
        await sql<{ n: number }>`select count(*) as n from pg_prepared_statements
          where name = ${name}`.execute(db)
      ).rows[0]?.n;
    // One connection, so that the statement and the catalog query share it.
    await using(openDatabase(database.url, { maxConnections: 1 }), async ({ db }) => {
      expect((await counted(db)).rows[0]?.n).toBe(3);
      expect((await counted(db)).rows[0]?.n).toBe(3);
      expect(await preparedHere(db)).toBe(1);
    });
    await using(
      openDatabase(database.url, { maxConnections: 1, preparedStatements: false }),
      async ({ db }) => {
        expect((await counted(db)).rows[0]?.n).toBe(3);
        expect(await preparedHere(db)).toBe(0);
      },
    );
  });

  it("runs a named statement on the transaction's connection, inside the transaction", async () => {
    await using(openDatabase(database.url, { maxConnections: 2 }), async ({ db }) => {
      const seen = await db.transaction().execute(async (trx) => {
        await sql`select set_config('tcs.test', 'in the transaction', true)`.execute(trx);
        return executeNamed(
          trx,
          "test_read_setting",
          sql<{ s: string | null }>`select current_setting('tcs.test', true) as s`,
        );
      });
      expect(seen.rows).toEqual([{ s: "in the transaction" }]);
    });
  });
});
