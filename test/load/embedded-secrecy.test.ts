/**
 * The embedded server is reachable only by its owner: a random password per DATA_DIR in
 * a 0600 passfile (which is also how psql gets in), never the fixed password of earlier
 * versions, and a server environment without the operator's secrets.
 */
import { statSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres, type RunningPostgres } from "../../src/load/embedded-postgres.ts";
import { openTempDataDir, removeDataDir } from "../support/embedded-server.ts";

const LEGACY_PASSWORD = "teams-chat-sync";
const dataDirs: string[] = [];
afterAll(async () => {
  for (const dir of dataDirs) await removeDataDir(dir);
});

function start(dataDir: string): Promise<RunningPostgres> {
  return startEmbeddedPostgres({ dir: dataDir, port: 0, persistent: true });
}

function newDataDir(): string {
  const dir = openTempDataDir("tcs-secrecy-");
  dataDirs.push(dir);
  return dir;
}

async function query(url: string, text: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = (await client.query(text)) as pg.QueryResult | pg.QueryResult[];
    // Several statements give one result each: the last one's rows.
    return (Array.isArray(result) ? result.at(-1)?.rows : result.rows) ?? [];
  } finally {
    await client.end();
  }
}

function withPassword(url: string, password: string): string {
  const u = new URL(url);
  u.password = password;
  return u.toString();
}

describe("the embedded server's password", { timeout: 180_000 }, () => {
  it("is random per DATA_DIR, kept in a 0600 passfile, and the fixed one of earlier versions is refused", async () => {
    const [a, b] = [await start(newDataDir()), await start(newDataDir())];
    try {
      const passwordA = decodeURIComponent(new URL(a.url).password);
      const passwordB = decodeURIComponent(new URL(b.url).password);
      expect(passwordA).not.toBe(LEGACY_PASSWORD);
      expect(passwordA.length).toBeGreaterThanOrEqual(32);
      expect(passwordA).not.toBe(passwordB);
      expect(statSync(a.passFile).mode & 0o777).toBe(0o600);
      await expect(query(withPassword(a.url, LEGACY_PASSWORD), "select 1")).rejects.toThrow(
        /password authentication failed/,
      );
      // What commands print to say how to connect never holds it.
      expect(a.psql).not.toContain(passwordA);
      expect(a.psql).toContain(`PGPASSFILE=${a.passFile}`);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it("the psql line works without the password: libpq finds it in the passfile", async () => {
    const server = await start(newDataDir());
    const saved = process.env.PGPASSFILE;
    try {
      // pg, like psql, reads PGPASSFILE when the connection string has no password.
      process.env.PGPASSFILE = server.passFile;
      const rows = await query(
        `postgres://postgres@127.0.0.1:${server.port}/postgres`,
        "select 1 as one",
      );
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      if (saved === undefined) delete process.env.PGPASSFILE;
      else process.env.PGPASSFILE = saved;
      await server.stop();
    }
  });

  it("a DATA_DIR made with the fixed password keeps its data and gets a random password on first use", async () => {
    const dataDir = newDataDir();
    const first = await start(dataDir);
    await query(first.url, "create table kept (n int); insert into kept values (42)");
    // What a DATA_DIR of an earlier version is: the fixed password, no passfile.
    await query(first.url, `alter role postgres with password '${LEGACY_PASSWORD}'`);
    await first.stop();
    await rm(path.join(dataDir, "pgpass"));

    const logged: string[] = [];
    const again = await startEmbeddedPostgres({
      dir: dataDir,
      port: 0,
      persistent: true,
      log: { info: (m) => logged.push(m), warn: (m) => logged.push(m) },
    });
    try {
      expect(await query(again.url, "select n from kept")).toEqual([{ n: 42 }]);
      expect(decodeURIComponent(new URL(again.url).password)).not.toBe(LEGACY_PASSWORD);
      expect(statSync(again.passFile).mode & 0o777).toBe(0o600);
      await expect(query(withPassword(again.url, LEGACY_PASSWORD), "select 1")).rejects.toThrow(
        /password authentication failed/,
      );
      expect(logged.join("\n")).toMatch(/new random password/);
    } finally {
      await again.stop();
    }
  });
});

describe("the embedded server's environment", { timeout: 180_000 }, () => {
  it("holds none of the operator's secrets: COPY FROM PROGRAM 'env' shows no token", async () => {
    const canary = `canary-${Date.now()}-secret`;
    const saved = { ...process.env };
    process.env.GRAPH_ACCESS_TOKEN = canary;
    process.env.AZURE_CLIENT_SECRET = canary;
    process.env.DATABASE_URL = `postgres://u:${canary}@example.invalid/db`;
    let server: RunningPostgres;
    try {
      server = await start(newDataDir());
    } finally {
      for (const name of ["GRAPH_ACCESS_TOKEN", "AZURE_CLIENT_SECRET", "DATABASE_URL"]) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
    }
    try {
      const rows = (await query(
        server.url,
        "create temp table e (line text); copy e from program 'env'; select line from e",
      )) as { line: string }[];
      const env = rows.map((r) => r.line);
      expect(env.length).toBeGreaterThan(0);
      expect(env.join("\n")).not.toContain(canary);
      expect(env.some((line) => /^(GRAPH_|AZURE_|DATABASE_URL=)/.test(line))).toBe(false);
    } finally {
      await server.stop();
    }
  });
});
