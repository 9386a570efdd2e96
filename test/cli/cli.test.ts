/**
 * The binary as cron and operators run it: `node bin/teams-chat-sync.js` in a child
 * process, against a simulator started here and this file's own databases, checking the
 * exit codes of docs/design.md (0 ok, 1 fatal, 2 usage, 3 partial) and what is printed.
 */
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { sql, type Kysely } from "kysely";
import { describe, expect, inject, it } from "vitest";
import { openDatabase, type Database } from "../../src/load/index.ts";
import type { Simulator } from "../../src/sim/index.ts";
import { runCli, type CliResult } from "../support/cli.ts";
import { useTestDatabase } from "../support/database.ts";
import { useSimulators } from "../support/sim-warehouse.ts";
import { countRows } from "../support/warehouse-snapshot.ts";

const healthyDb = useTestDatabase();
const partialDb = useTestDatabase();
const migrateDb = useTestDatabase();

/** A token only this file knows: it must never show up in anything the binary prints. */
const TOKEN = `cli-test-token-${randomBytes(12).toString("hex")}`;
const COMMANDS = ["migrate", "sync", "backfill", "schedule", "status", "simulate", "demo"];
/** Limits the simulator and the extractor share, so a run is quick and not throttled. */
const RATE_SCALE = 10;

const simulator = useSimulators({ rateScale: RATE_SCALE, token: TOKEN });

function envFor(databaseUrl: string, sim: Simulator | null): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    GRAPH_BASE_URL: sim?.url ?? "http://127.0.0.1:9",
    GRAPH_ACCESS_TOKEN: TOKEN,
    LOG_LEVEL: "warn",
  };
}

/** Runs the binary; whatever it did, the token and `secrets` must not be in its output. */
async function run(
  args: readonly string[],
  env: Record<string, string>,
  secrets: readonly string[] = [],
): Promise<CliResult> {
  const result = await runCli(args, env);
  for (const secret of [TOKEN, ...secrets]) {
    expect(result.stdout, `stdout of ${args.join(" ")}`).not.toContain(secret);
    expect(result.stderr, `stderr of ${args.join(" ")}`).not.toContain(secret);
  }
  return result;
}

/** stdout holds exactly one line, a JSON object. */
function onlyJson(result: CliResult): Record<string, unknown> {
  const lines = result.stdout.split("\n").filter((line) => line.trim() !== "");
  expect(lines, result.describe).toHaveLength(1);
  const parsed: unknown = JSON.parse(lines[0] ?? "");
  expect(typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)).toBe(true);
  return parsed as Record<string, unknown>;
}

async function withDb<T>(url: string, fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  const { db, close } = openDatabase(url);
  try {
    return await fn(db);
  } finally {
    await close();
  }
}

describe("teams-chat-sync binary", () => {
  it("--help lists every command and exits 0", async () => {
    const result = await run(["--help"], { LOG_LEVEL: "warn" });
    expect(result.code, result.describe).toBe(0);
    const listed = [...result.stdout.matchAll(/^ {2}(\w+)\b/gm)].map((m) => m[1]);
    expect(listed).toEqual(expect.arrayContaining(COMMANDS));
  });

  it("sync on a healthy tenant exits 0 and --json prints exactly one JSON summary on stdout", async () => {
    const sim = await simulator();
    const state = sim.state();
    const result = await run(
      ["sync", "--json", "--rate-scale", String(RATE_SCALE)],
      envFor(healthyDb.url, sim),
    );
    expect(result.code, result.describe).toBe(0);
    const summary = onlyJson(result);
    const counts = await withDb(healthyDb.url, countRows);
    const rows =
      (counts.chats ?? 0) +
      (counts.chat_members ?? 0) +
      (counts.user_chats ?? 0) +
      (counts.message_previews ?? 0) +
      (counts.chat_operations ?? 0);
    expect(counts).toMatchObject({ chats: state.chats.length, sync_runs: 1, sync_failures: 0 });
    expect(summary).toMatchObject({
      status: "succeeded",
      dryRun: false,
      users: { total: state.users.length, succeeded: state.users.length, failed: 0 },
      chats: state.chats.length,
      rowsWritten: { inserted: rows, updated: 0 },
      requests: sim.stats().requests,
      failures: [],
      fatal: null,
    });
  });

  it.each([
    [["sync", "--bogus"], "--bogus"],
    [["sync", "--concurrency", "x"], "--concurrency"],
    [["sync", "--streams", "foo"], "foo"],
    [["backfill", "--streams", "chats,foo"], "foo"],
    [["sync", "--users", ","], "--users"],
  ])(
    "%j is a usage error: exit 2, says what is wrong, touches neither Graph nor the database",
    async (args, culprit) => {
      const sim = await simulator();
      // A database that cannot be reached: touching it would be exit 1, not 2.
      const result = await run(args, envFor("postgres://nobody@127.0.0.1:1/none", sim));
      expect(result.code, result.describe).toBe(2);
      expect(result.stderr).toContain(culprit);
      expect(result.stdout).toBe("");
      expect(sim.stats().requests).toBe(0);
    },
  );

  it("a sync where one user's listing fails exits 3, and status --json then shows that user's failure", async () => {
    const sim = await simulator();
    const failing = sim.state().users[2]?.id ?? "";
    sim.setFaults([{ kind: "userError", status: 403, users: [failing], routes: ["listChats"] }]);
    const env = envFor(partialDb.url, sim);

    const sync = await run(["sync", "--json", "--rate-scale", String(RATE_SCALE)], env);
    expect(sync.code, sync.describe).toBe(3);
    const summary = onlyJson(sync);
    expect(summary).toMatchObject({
      status: "partial",
      users: { failed: 1 },
      failures: [{ userId: failing, stream: "chats", httpStatus: 403 }],
    });

    const status = await run(["status", "--json"], env);
    expect(status.code, status.describe).toBe(0);
    const shown = onlyJson(status) as {
      runs: { run_id: number; status: string; users_failed: number }[];
      lastRunFailures: { run_id: number; user_id: string; stream: string; http_status: number }[];
    };
    expect(shown.runs[0]).toMatchObject({
      run_id: summary.runId,
      status: "partial",
      users_failed: 1,
    });
    expect(shown.lastRunFailures).toEqual([
      expect.objectContaining({
        run_id: summary.runId,
        user_id: failing,
        stream: "chats",
        http_status: 403,
      }),
    ]);
  });

  it("sync without GRAPH_ACCESS_TOKEN or AZURE_* credentials exits 1 with one line naming what to set", async () => {
    const sim = await simulator();
    const env = envFor(healthyDb.url, sim);
    delete env.GRAPH_ACCESS_TOKEN;
    const result = await run(["sync"], env);
    expect(result.code, result.describe).toBe(1);
    const lines = result.stderr.split("\n").filter((line) => line.trim() !== "");
    expect(lines, result.describe).toHaveLength(1);
    for (const name of [
      "GRAPH_ACCESS_TOKEN",
      "AZURE_TENANT_ID",
      "AZURE_CLIENT_ID",
      "AZURE_CLIENT_SECRET",
    ]) {
      expect(lines[0]).toContain(name);
    }
    expect(sim.stats().requests).toBe(0);
  });

  it("sync with a token Graph rejects exits 1 and never prints that token", async () => {
    const sim = await simulator();
    const rejected = `rejected-token-${randomBytes(12).toString("hex")}`;
    const env = { ...envFor(partialDb.url, sim), GRAPH_ACCESS_TOKEN: rejected };
    const result = await run(["sync", "--json", "--rate-scale", String(RATE_SCALE)], env, [
      rejected,
    ]);
    expect(result.code, result.describe).toBe(1);
    expect(sim.stats().byStatus["401"] ?? 0).toBeGreaterThan(0);
  });

  it("migrate applies every migration to an empty database and exits 0, then is a no-op", async () => {
    const env = envFor(migrateDb.url, null);
    const migrations = readdirSync(new URL("../../migrations/", import.meta.url)).filter((f) =>
      /\.(ts|js)$/.test(f),
    );
    const first = await run(["migrate"], env);
    expect(first.code, first.describe).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`applied ${migrations.length} migration`));
    const applied = () =>
      withDb(migrateDb.url, async (db) => {
        const { rows } = await sql<{ name: string; timestamp: string }>`
          select name, timestamp from teams.kysely_migration order by name`.execute(db);
        return rows;
      });
    const before = await applied();
    expect(before).toHaveLength(migrations.length);

    const second = await run(["migrate"], env);
    expect(second.code, second.describe).toBe(0);
    expect(second.stdout).toMatch(/up to date/);
    expect(await applied()).toEqual(before);
  });

  describe("a bad DATABASE_URL exits 1 without printing its password", () => {
    const password = `pw-${randomBytes(10).toString("hex")}`;
    /** This run's real server, with a password it does not accept. */
    const wrongPassword = () => {
      const url = new URL(inject("adminDatabaseUrl"));
      url.password = password;
      return url.toString();
    };

    it.each([
      {
        command: "status",
        why: "nothing listening",
        url: () => `postgres://tcs:${password}@127.0.0.1:1/warehouse`,
      },
      { command: "migrate", why: "a wrong password", url: wrongPassword },
      { command: "sync", why: "a wrong password", url: wrongPassword },
    ])("$command, with $why", async ({ command, url }) => {
      const sim = await simulator();
      const result = await run([command], envFor(url(), sim), [password]);
      expect(result.code, result.describe).toBe(1);
      expect(result.stderr.trim()).not.toBe("");
    });
  });
});
