/**
 * `teams-chat-sync status` on a tenant larger than a screen: a summary first, then at most
 * a few failing and stale users ("… and N more; --all shows every user"); `--all` lists
 * every one; `--json` keeps every field and adds the summary.
 */
import { describe, expect, it } from "vitest";
import { loadListing } from "../load/fixtures.ts";
import { markUserFailed } from "../../src/load/run-users.ts";
import { finishRun, recordFailure, startRun } from "../../src/load/runs.ts";
import { listed, userInput } from "../load/fixtures.ts";
import { useWarehouse } from "../load/warehouse.ts";
import { runCli } from "../support/cli.ts";

const warehouse = useWarehouse();
const SYNCED = 30;
const FAILING = 25;
const pad = (i: number) => String(i).padStart(2, "0");

async function seed(): Promise<number> {
  const { db } = warehouse;
  const { runId } = await startRun(db, { trigger: "cron", streams: ["chats"] });
  for (let i = 1; i <= SYNCED; i++) {
    const user = `s-${pad(i)}`;
    await loadListing(
      db,
      userInput(runId, user, [listed(user, `chat-${user}`)], {
        watermarks: new Map([["chats", "2024-04-30T10:00:00Z"]]),
      }),
    );
  }
  for (let i = 1; i <= FAILING; i++) {
    const user = `f-${pad(i)}`;
    await recordFailure(db, { runId, userId: user, stream: "chats", httpStatus: 403, error: "no" });
    await markUserFailed(db, runId, user, `GET /users/${user}/chats answered 403 Forbidden`);
  }
  await finishRun(db, runId, {
    status: "partial",
    counts: { users_succeeded: SYNCED, users_failed: FAILING },
  });
  return runId;
}

const section = (lines: string[], header: RegExp): string[] => {
  const start = lines.findIndex((l) => header.test(l));
  expect(start, `no line matching ${header}`).toBeGreaterThanOrEqual(0);
  const end = lines.indexOf("", start);
  return lines.slice(start + 1, end < 0 ? undefined : end);
};

describe("status on a tenant larger than a screen", () => {
  it("prints a summary, then ten failing and ten stalest users, in a screenful; --all prints all", async () => {
    const runId = await seed();
    const env = { DATABASE_URL: warehouse.database.url, LOG_LEVEL: "warn" };

    const text = await runCli(["status"], env);
    expect(text.code, text.describe).toBe(0);
    const lines = text.stdout.trimEnd().split("\n");
    expect(lines.length, text.stdout).toBeLessThanOrEqual(50);
    expect(lines[0]).toMatch(/^warehouse: /);
    expect(lines[1]).toBe(`users: 55 known, 30 synced, 25 failing (25 never synced)`);
    expect(lines[2]).toMatch(
      /^stalest: user s-\d\d, last synced \S+Z, \d+[smhd] behind now \(watermark 2024-04-30T10:00:00Z\)$/,
    );
    expect(lines[3]).toMatch(new RegExp(`^last run: #${runId} cron +partial `));
    expect(lines[4]).toBe("in progress: none");

    const failing = section(lines, /^failing users \(25, longest failing first\):$/);
    expect(failing.slice(0, 10).map((l) => l.trim().split(" ")[0])).toEqual(
      Array.from({ length: 10 }, (_, i) => `f-${pad(i + 1)}`),
    );
    expect(failing[0]).toMatch(
      / \(\d+[smhd], 1 run\), never synced: chats 403 GET \/users\/f-01\//,
    );
    expect(failing.slice(10)).toEqual(["  … and 15 more; --all shows every user"]);
    const stalest = section(lines, /^stalest users \(30, stalest first\):$/);
    expect(stalest).toHaveLength(11);
    expect(stalest[10]).toBe("  … and 20 more; --all shows every user");

    const all = await runCli(["status", "--all"], env);
    expect(all.code, all.describe).toBe(0);
    const allLines = all.stdout.trimEnd().split("\n");
    expect(section(allLines, /^failing users/)).toHaveLength(FAILING);
    expect(section(allLines, /^stalest users/)).toHaveLength(SYNCED);
    expect(all.stdout).not.toContain("more; --all");

    const json = await runCli(["status", "--json"], env);
    expect(json.code, json.describe).toBe(0);
    const parsed = JSON.parse(json.stdout) as Record<string, unknown> & {
      summary: Record<string, unknown>;
      failingUsers: unknown[];
      watermarks: unknown[];
    };
    expect(Object.keys(parsed).sort()).toEqual(
      [
        "database",
        "failingUsers",
        "inProgress",
        "lastRunFailures",
        "runs",
        "summary",
        "tenants",
        "watermarks",
      ].sort(),
    );
    expect(parsed.summary).toMatchObject({
      users_known: 55,
      users_synced: 30,
      users_failing: 25,
      users_never_synced: 25,
      users_with_watermark: 30,
      last_run: { run_id: runId, status: "partial" },
      in_progress_run_ids: [],
    });
    expect(parsed.failingUsers).toHaveLength(FAILING);
    expect(parsed.watermarks).toHaveLength(SYNCED);
    expect(parsed.lastRunFailures).toHaveLength(FAILING);
  });
});
