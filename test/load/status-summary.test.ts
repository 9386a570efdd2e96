/**
 * The status summary on a warehouse with a history: per user, the newest finished attempt
 * decides synced or failing (a crashed run's "running" users keep their previous state),
 * failing users come longest failing first with their streak, and the stalest user is the
 * one whose last success is oldest.
 */
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { loadListing } from "./fixtures.ts";
import { markUserFailed } from "../../src/load/run-users.ts";
import { finishRun, recordFailure, startRun } from "../../src/load/runs.ts";
import { failingUsers, readStatus, readStatusOverview } from "../../src/load/status.ts";
import { listed, userInput } from "./fixtures.ts";
import { useWarehouse } from "./warehouse.ts";

const warehouse = useWarehouse();

/** Run n started and its users finished on 2024-05-0n, so ages and orders are fixed. */
const day = (n: number) => new Date(Date.UTC(2024, 4, n, 2, 0, 0));

async function seedHistory(): Promise<number[]> {
  const { db } = warehouse;
  const runs: number[] = [];
  const ok = async (runId: number, user: string) => {
    await loadListing(
      db,
      userInput(runId, user, [listed(user, `chat-of-${user}`)], {
        watermarks: new Map([["chats", "2024-04-30T10:00:00Z"]]),
      }),
    );
  };
  const fail = async (runId: number, user: string, status: number) => {
    await recordFailure(db, {
      runId,
      userId: user,
      stream: "chats",
      httpStatus: status,
      error: `GET /users/${user}/chats answered ${status}`,
    });
    await markUserFailed(db, runId, user, `listing failed with ${status}\nsecond line`);
  };
  const run = async (n: number, steps: (runId: number) => Promise<void>, finish = true) => {
    const { runId } = await startRun(db, {
      trigger: "cron",
      streams: ["chats"],
      startedAt: day(n),
    });
    runs.push(runId);
    await steps(runId);
    if (finish) await finishRun(db, runId, { status: "partial", counts: {}, finishedAt: day(n) });
    await sql`update teams.sync_run_users set finished_at = ${day(n)}
              where run_id = ${runId} and status <> 'running'`.execute(db);
  };
  await run(1, async (r) => {
    await ok(r, "u-a");
    await fail(r, "u-b", 500);
    await fail(r, "u-c", 403);
    await ok(r, "u-d");
  });
  await run(2, async (r) => {
    await ok(r, "u-a");
    await fail(r, "u-b", 500);
    await fail(r, "u-c", 403);
    await fail(r, "u-d", 429);
  });
  // A manual run for one user.
  await run(3, (r) => ok(r, "u-b"));
  // A run that crashed with u-a in flight (a row an earlier version left "running"): u-a
  // stays synced by its previous attempt.
  await run(
    4,
    async (r) => {
      await db
        .insertInto("teams.sync_run_users")
        .values({ run_id: r, user_id: "u-a", status: "running" })
        .execute();
    },
    false,
  );
  return runs;
}

describe("status summary", () => {
  it("counts users by their newest finished attempt and lists the failing ones longest first", async () => {
    const { db } = warehouse;
    const [r1, r2, r3, r4] = await seedHistory();

    const status = await readStatus(db);
    expect(status.summary).toMatchObject({
      users_known: 4,
      users_synced: 2, // u-a (run 2), u-b (run 3)
      users_failing: 2, // u-c (never synced), u-d (since run 2)
      users_never_synced: 1,
      users_with_watermark: 3,
      in_progress_run_ids: [r4],
    });
    expect(status.summary.last_run?.run_id).toBe(r3);
    expect(status.summary.stalest).toMatchObject({ user_id: "u-d", last_synced_at: day(1) });
    // The lag is the stalest user's last success measured against the database's now.
    expect(status.summary.lag_seconds).toBe(status.summary.stalest?.last_synced_age_seconds);
    expect(status.summary.lag_seconds).toBeGreaterThan(
      (Date.now() - day(1).getTime()) / 1000 - 3600,
    );

    expect(status.failingUsers).toEqual([
      {
        user_id: "u-c",
        last_run_id: r2,
        last_failed_at: day(2),
        last_error: "listing failed with 403\nsecond line",
        stream: "chats",
        http_status: 403,
        failing_since: day(1),
        failing_seconds: expect.any(Number),
        failed_runs: 2,
        last_synced_at: null,
      },
      {
        user_id: "u-d",
        last_run_id: r2,
        last_failed_at: day(2),
        last_error: "listing failed with 429\nsecond line",
        stream: "chats",
        http_status: 429,
        failing_since: day(2),
        failing_seconds: expect.any(Number),
        failed_runs: 1,
        last_synced_at: day(1),
      },
    ]);
    expect(status.failingUsers[0]?.failing_seconds).toBeGreaterThan(
      status.failingUsers[1]?.failing_seconds ?? Infinity,
    );
    expect(r1).toBeLessThan(r2 ?? 0);

    // What --json printed before stays: every watermark and run, and the newest run's failures.
    expect(status.watermarks.map((w) => w.user_id)).toEqual(["u-d", "u-a", "u-b"]);
    expect(status.runs.map((r) => r.run_id)).toEqual([r4, r3, r2, r1]);
    expect(status.inProgress.map((r) => r.run_id)).toEqual([r4]);
    expect(status.lastRunFailures).toEqual([]);
  });

  it("gives the overview the worst few users only, and everything without a limit", async () => {
    const { db } = warehouse;
    expect((await failingUsers(db, { limit: 1 })).map((u) => u.user_id)).toEqual(["u-c"]);
    const few = await readStatusOverview(db, { runs: 2, users: 1 });
    expect(few.failingUsers.map((u) => u.user_id)).toEqual(["u-c"]);
    expect(few.stalestUsers.map((w) => w.user_id)).toEqual(["u-d"]);
    expect(few.runs).toHaveLength(2);
    expect(few.summary.users_failing).toBe(2);
    const all = await readStatusOverview(db);
    expect(all.failingUsers.map((u) => u.user_id)).toEqual(["u-c", "u-d"]);
    expect(all.stalestUsers.map((w) => w.user_id)).toEqual(["u-d", "u-a", "u-b"]);
  });

  it("summarises an empty warehouse without failing", async () => {
    const { db } = warehouse;
    await sql`truncate teams.sync_runs, teams.sync_watermarks cascade`.execute(db);
    const status = await readStatus(db);
    expect(status.summary).toEqual({
      users_known: 0,
      users_synced: 0,
      users_failing: 0,
      users_never_synced: 0,
      users_with_watermark: 0,
      stalest: null,
      lag_seconds: null,
      last_run: null,
      in_progress_run_ids: [],
    });
    expect(status.failingUsers).toEqual([]);
  });
});
