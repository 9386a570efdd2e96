import { describe, expect, it } from "vitest";
import { loadListing } from "./fixtures.ts";
import { pendingOperations } from "../../src/load/read-pending-operations.ts";
import { readWatermarks } from "../../src/load/read-watermarks.ts";
import { markUserFailed, succeededUsers } from "../../src/load/run-users.ts";
import { finishRun, recordFailure, startRun } from "../../src/load/runs.ts";
import { readStatus, runFailures } from "../../src/load/status.ts";
import { listed, operationRow, userInput } from "./fixtures.ts";
import { useWarehouse } from "./warehouse.ts";

const warehouse = useWarehouse();

describe("runs and status", () => {
  it("record a run's lifecycle, failures, per-user progress and watermarks, and report them", async () => {
    const { db } = warehouse;
    const started = new Date("2024-04-01T00:00:00Z");
    const first = await startRun(db, {
      trigger: "cron",
      streams: ["chats", "members"],
      options: { concurrency: 4 },
      pid: 1234,
      host: "sync-box",
      startedAt: started,
    });
    expect(first).toEqual({ runId: expect.any(Number), startedAt: started });

    await loadListing(
      db,
      userInput(first.runId, "ok-user", [listed("ok-user", "status-chat")], {
        watermarks: new Map([["chats", "2024-03-02T10:00:00.5100007Z"]]),
      }),
    );
    await recordFailure(db, {
      runId: first.runId,
      userId: "bad-user",
      stream: "chats",
      httpStatus: 403,
      error:
        "GET /users/bad-user/chats failed: Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig-part",
      errorCode: "Forbidden",
      requestId: "req-1",
    });
    await markUserFailed(db, first.runId, "bad-user", "403 Forbidden");
    await finishRun(db, first.runId, {
      status: "partial",
      counts: {
        users_total: 2,
        requests: 7,
        users_succeeded: 1,
        users_failed: 1,
        chats_seen: 1,
        rows_written: 5,
        throttled: 2,
      },
      error: "1 user failed",
      finishedAt: new Date("2024-04-01T00:01:30Z"),
    });
    expect(await succeededUsers(db, first.runId)).toEqual(new Set(["ok-user"]));

    const second = await startRun(db, { trigger: "manual", streams: ["chats"] });
    expect(second.runId).toBeGreaterThan(first.runId);

    const status = await readStatus(db, { runs: 5 });
    expect(status.runs.map((r) => r.run_id)).toEqual([second.runId, first.runId]);
    expect(status.runs[1]).toEqual({
      run_id: first.runId,
      trigger: "cron",
      status: "partial",
      started_at: started,
      finished_at: new Date("2024-04-01T00:01:30Z"),
      duration_seconds: 90,
      users_total: 2,
      users_succeeded: 1,
      users_failed: 1,
      chats_seen: 1,
      requests: 7,
      throttled: 2,
      rows_written: 5,
      rejects: 0,
      failures: 1,
      streams: ["chats", "members"],
      error: "1 user failed",
      pid: 1234,
      host: "sync-box",
    });
    expect(status.inProgress.map((r) => [r.run_id, r.status])).toEqual([[second.runId, "running"]]);
    // The newest run has no failures yet; the previous one has the recorded failure.
    expect(status.lastRunFailures).toEqual([]);
    const failures = await runFailures(db, first.runId);
    expect(failures).toEqual([
      {
        run_id: first.runId,
        user_id: "bad-user",
        stream: "chats",
        http_status: 403,
        error: "GET /users/bad-user/chats failed: Authorization: Bearer [redacted]",
        error_code: "Forbidden",
        request_id: "req-1",
        at: expect.any(Date),
      },
    ]);
    expect(status.watermarks).toEqual([
      {
        user_id: "ok-user",
        stream: "chats",
        watermark: new Date("2024-03-02T10:00:00.510Z"),
        watermark_raw: "2024-03-02T10:00:00.5100007Z",
        updated_at: expect.any(Date),
        updated_age_seconds: expect.any(Number),
        last_synced_at: expect.any(Date),
        last_synced_age_seconds: expect.any(Number),
      },
    ]);
    expect(status.watermarks[0]?.updated_age_seconds).toBeGreaterThanOrEqual(0);
    expect(status.watermarks[0]?.updated_age_seconds).toBeLessThan(60);

    expect(await readWatermarks(db, "chats")).toEqual(
      new Map([
        [
          "ok-user",
          { value: new Date("2024-03-02T10:00:00.510Z"), raw: "2024-03-02T10:00:00.5100007Z" },
        ],
      ]),
    );
    expect(await readWatermarks(db, "members")).toEqual(new Map());
  });

  it("report the newest run's failures as the last run's", async () => {
    const { db } = warehouse;
    const { runId } = await startRun(db, { trigger: "backfill", streams: ["chats"] });
    await recordFailure(db, { runId, error: "database unreachable", errorCode: "08006" });
    const failures = (await readStatus(db)).lastRunFailures;
    expect(failures.map((f) => [f.run_id, f.user_id, f.error, f.error_code])).toEqual([
      [runId, null, "database unreachable", "08006"],
    ]);
  });

  it("read a user's active chats and the operations not ended yet", async () => {
    const { db } = warehouse;
    const { runId } = await startRun(db, { trigger: "manual", streams: ["chats", "operations"] });
    const load = (chats: string[], day: number) =>
      loadListing(
        db,
        userInput(
          runId,
          "ops-user",
          chats.map((c) => listed("ops-user", c)),
          {
            seenAt: new Date(Date.UTC(2024, 3, day)),
            operations: [
              operationRow("op-chat-1", "op-a", { status: "notStarted" }),
              operationRow("op-chat-1", "op-b", { status: "inProgress" }),
              operationRow("op-chat-1", "op-c", { status: "succeeded" }),
              operationRow("op-chat-2", "op-d", { status: "failed" }),
              operationRow("op-chat-2", "op-e", { status: "unknownFutureValue" }),
              operationRow("op-chat-3", "op-f", { status: "inProgress" }),
            ],
          },
        ),
      );
    await load(["op-chat-1", "op-chat-2", "op-chat-3"], 1);
    await load(["op-chat-1", "op-chat-3"], 2);
    expect(await pendingOperations(db)).toEqual(
      new Map([
        ["op-chat-1", ["op-a", "op-b"]],
        ["op-chat-3", ["op-f"]],
      ]),
    );
    // The run that synced ops-user handled its chats: none left to poll for that run,
    // all of them for another.
    await db
      .updateTable("teams.sync_run_users")
      .set({ status: "succeeded" })
      .where("run_id", "=", runId)
      .execute();
    expect(await pendingOperations(db, runId)).toEqual(new Map());
    const other = await startRun(db, { trigger: "manual", streams: ["chats", "operations"] });
    expect([...(await pendingOperations(db, other.runId)).keys()]).toEqual([
      "op-chat-1",
      "op-chat-3",
    ]);
  });
});
