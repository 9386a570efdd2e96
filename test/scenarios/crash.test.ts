/**
 * Crash safety of the real binary: `sync` and `backfill` are SIGKILLed at seeded random
 * points of a run against a simulator with latency, then run again to completion. After
 * each kill, what is committed is per user and whole (a user's rows with its watermark,
 * or nothing of it); after the rerun the warehouse is exactly what one uninterrupted run
 * gives. `backfill --resume` goes on with only the users the killed backfill had not
 * committed, and `status --json` shows the crashed run as in progress and not alive.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimState, Simulator } from "../../src/sim/index.ts";
import { succeededUsers } from "../../src/load/index.ts";
import { startSimulator } from "../../src/sim/index.ts";
import { expectedWarehouse } from "../support/expected-warehouse.ts";
import { runCli, startCli } from "../support/cli.ts";
import { killWhen, seededRandom } from "../support/killable-cli.ts";
import {
  DAY_MS,
  expectWarehouse,
  newestPerUser,
  readWatermarks,
  usersListed,
} from "../support/scenario.ts";
import { SMALL_TENANT, useSimWarehouse } from "../support/sim-warehouse.ts";
import { readWarehouse, type WarehouseSnapshot } from "../support/warehouse-snapshot.ts";

const warehouse = useSimWarehouse();
const SEED = 20240603;
/** Per Graph response: a full first sync of the small tenant takes about two seconds. */
const LATENCY_MS = 40;
/** One user at a time, so a kill falls between users as well as inside one. */
const RUN_FLAGS = ["--rate-scale", "0", "--concurrency", "1"];

describe("a sync or backfill killed mid-run", () => {
  let sim: Simulator;
  const random = seededRandom(SEED);
  const env = (): Record<string, string> => ({
    DATABASE_URL: warehouse.url,
    GRAPH_BASE_URL: sim.url,
    GRAPH_ACCESS_TOKEN: sim.token,
    LOG_LEVEL: "warn",
  });
  /** How the kills fell, over all trials: each kind must have happened at least once. */
  const kills = { partial: 0, total: 0 };

  beforeAll(async () => {
    await warehouse.reset();
    sim = await startSimulator({ ...SMALL_TENANT, rateScale: 0, latencyMs: LATENCY_MS });
  });
  afterAll(async () => {
    await sim.close();
  });

  async function newestRunId(): Promise<number> {
    const row = await warehouse.db
      .selectFrom("teams.sync_runs")
      .select((eb) => eb.fn.max("run_id").as("id"))
      .executeTakeFirst();
    return Number(row?.id ?? 0);
  }

  const committedUsers = (runId: number) => succeededUsers(warehouse.db, runId);

  /**
   * What a kill may leave: for each user, either everything of the killed run (its
   * user_chats as the new expectation says, its watermarks at its newest chat) or nothing
   * (as before the run). No watermark is ahead of the data committed with it.
   */
  async function expectWholeUsers(
    runId: number,
    state: SimState,
    before: WarehouseSnapshot,
    expected: WarehouseSnapshot,
    watermarksBefore: Map<string, string>,
  ): Promise<Set<string>> {
    const committed = await committedUsers(runId);
    const actual = await readWarehouse(warehouse.db);
    const watermarks = await readWatermarks(warehouse.db);
    const newest = newestPerUser(state);
    for (const user of state.users) {
      const done = committed.has(user.id);
      const rowsOf = (s: WarehouseSnapshot) => s.user_chats.filter((r) => r.user_id === user.id);
      const label = `user ${user.id} (${done ? "committed" : "not committed"} by run ${runId})`;
      expect(rowsOf(actual), label).toEqual(rowsOf(done ? expected : before));
      for (const stream of ["chats", "members", "previews", "operations"]) {
        const key = `${stream} ${user.id}`;
        expect(watermarks.get(key), `${label}: ${stream} watermark`).toBe(
          done ? newest.get(user.id) : watermarksBefore.get(key),
        );
      }
    }
    return committed;
  }

  /** Seeded random changes of one simulated day. */
  function changeTheTenant(): void {
    sim.advanceTime(DAY_MS);
    const state = sim.state();
    const tenantUsers = new Set(state.users.map((u) => u.id));
    const pick = <T>(items: readonly T[]): T => {
      const item = items[Math.floor(random() * items.length)];
      if (item === undefined) throw new Error("nothing to pick from");
      return item;
    };
    const groups = state.chats.filter((c) => c.chatType === "group" && c.members.length < 20);
    const large = state.chats.filter((c) => c.members.length > 25);
    sim.tenant.renameChat(pick(groups).id, `Renamed ${random().toFixed(6)}`);
    sim.tenant.postMessage(pick(state.chats).id, { content: "after the crash?" });
    const big = pick(large);
    sim.tenant.addMember(big.id, { external: "phoneUser" });
    const external = big.members.find((m) => m.type !== "aadUserConversationMember");
    if (external) sim.tenant.removeMember(big.id, { membershipId: external.id });
    const leavable = groups.filter(
      (c) => Object.keys(c.viewpoints).filter((u) => tenantUsers.has(u)).length > 2,
    );
    const left = pick(leavable);
    sim.tenant.leaveChat(
      left.id,
      pick(Object.keys(left.viewpoints).filter((u) => tenantUsers.has(u))),
    );
    const read = pick(state.chats);
    const reader = Object.keys(read.viewpoints).find((u) => tenantUsers.has(u));
    if (reader) sim.tenant.markRead(read.id, reader);
  }

  it("status --json after a kill shows the crashed run in progress with alive=false, and each committed user's watermark and lag", async () => {
    const state = sim.state();
    const expected = expectedWarehouse(state);
    const empty = await readWarehouse(warehouse.db);
    sim.resetStats();
    const cli = startCli(["sync", ...RUN_FLAGS], env());
    // Kill once a few users have committed: the run is surely in the middle.
    const killed = await killWhen(cli, async () => {
      const runId = await newestRunId();
      return runId > 0 && (await committedUsers(runId)).size >= 3;
    });
    expect(killed.killed, killed.describe).toBe(true);
    const runId = await newestRunId();
    const committed = await expectWholeUsers(runId, state, empty, expected, new Map());
    expect(committed.size).toBeLessThan(state.users.length);

    const status = await runCli(["status", "--json"], env());
    expect(status.code, status.describe).toBe(0);
    const parsed = JSON.parse(status.stdout) as {
      inProgress: { run_id: number; alive: boolean | null; pid: number | null }[];
      watermarks: {
        user_id: string;
        stream: string;
        watermark_raw: string | null;
        updated_age_seconds: number;
        last_synced_age_seconds: number | null;
      }[];
    };
    expect(
      parsed.inProgress.map((r) => ({ run_id: r.run_id, alive: r.alive, pid: r.pid })),
    ).toEqual([{ run_id: runId, alive: false, pid: cli.pid }]);
    const chats = parsed.watermarks.filter((w) => w.stream === "chats");
    expect(chats.map((w) => w.user_id).sort()).toEqual([...committed].sort());
    const newest = newestPerUser(state);
    for (const w of chats) {
      expect(w.watermark_raw, w.user_id).toBe(newest.get(w.user_id));
      expect(w.last_synced_age_seconds, w.user_id).not.toBeNull();
      expect(w.last_synced_age_seconds ?? -1, w.user_id).toBeGreaterThanOrEqual(0);
      expect(w.last_synced_age_seconds ?? Infinity, w.user_id).toBeLessThan(120);
      expect(w.updated_age_seconds, w.user_id).toBeLessThan(120);
    }

    const rerun = await runCli(["sync", ...RUN_FLAGS, "--wait-for-lock"], env());
    expect(rerun.code, rerun.describe).toBe(0);
    expectWarehouse(await readWarehouse(warehouse.db), expected, "after the rerun");
    // The rerun, holding the run lock, closes the crashed run as failed; it is a run of its own.
    const runs = await warehouse.db
      .selectFrom("teams.sync_runs")
      .select(["run_id", "status"])
      .orderBy("run_id")
      .execute();
    expect(runs).toEqual([
      { run_id: runId, status: "failed" },
      { run_id: runId + 1, status: "succeeded" },
    ]);
  });

  it("sync killed at seeded random points of incremental runs: each user is committed whole or not at all, and the rerun converges to the uninterrupted result", async () => {
    const trials = 3;
    for (let trial = 0; trial < trials; trial++) {
      const before = await readWarehouse(warehouse.db);
      const watermarksBefore = await readWatermarks(warehouse.db);
      changeTheTenant();
      const state = sim.state();
      const expected = expectedWarehouse(state, { previous: before });
      // An incremental run makes about 20 to 30 requests; kill within them.
      const killAt = 2 + Math.floor(random() * 22);
      sim.resetStats();
      const cli = startCli(["sync", ...RUN_FLAGS], env());
      const killed = await killWhen(cli, () => sim.stats().requests >= killAt);
      const label = `trial ${trial} (kill at request ${killAt})`;
      if (killed.killed) {
        const runId = await newestRunId();
        const committed = await expectWholeUsers(runId, state, before, expected, watermarksBefore);
        kills.total++;
        if (committed.size > 0 && committed.size < state.users.length) kills.partial++;
      } else {
        expect(killed.code, `${label}: ${killed.describe}`).toBe(0);
      }
      const rerun = await runCli(["sync", ...RUN_FLAGS, "--wait-for-lock"], env());
      expect(rerun.code, `${label}: ${rerun.describe}`).toBe(0);
      expectWarehouse(await readWarehouse(warehouse.db), expected, label);
      const watermarks = await readWatermarks(warehouse.db);
      for (const [userId, raw] of newestPerUser(state))
        expect(watermarks.get(`chats ${userId}`), `${label}: ${userId}`).toBe(raw);
    }
    // The seeded points did kill runs in their middle (else this test proves nothing).
    expect(kills.total).toBeGreaterThanOrEqual(2);
    expect(kills.partial).toBeGreaterThanOrEqual(1);
  });

  /** The backfill killed and resumed below, for the check of its run record. */
  const backfill = { runId: 0, users: 0 };

  it("backfill killed mid-run: backfill --resume lists only the users not yet committed and ends with the uninterrupted result", async () => {
    changeTheTenant();
    const before = await readWarehouse(warehouse.db);
    const state = sim.state();
    const expected = expectedWarehouse(state, { previous: before });
    const stopAfter = 3 + Math.floor(random() * 8);
    const cli = startCli(["backfill", ...RUN_FLAGS], env());
    const killed = await killWhen(cli, async () => {
      const runId = await newestRunId();
      const run = await warehouse.db
        .selectFrom("teams.sync_runs")
        .select("trigger")
        .where("run_id", "=", runId)
        .executeTakeFirst();
      if (run?.trigger !== "backfill") return false;
      backfill.runId = runId;
      return (await committedUsers(runId)).size >= stopAfter;
    });
    expect(killed.killed, killed.describe).toBe(true);
    const backfillRun = backfill.runId;
    backfill.users = state.users.length;
    const done = await committedUsers(backfillRun);
    expect(done.size).toBeGreaterThanOrEqual(stopAfter);
    expect(done.size).toBeLessThan(state.users.length);

    sim.resetStats();
    const resumed = await runCli(
      ["backfill", "--resume", ...RUN_FLAGS, "--wait-for-lock", "--json"],
      env(),
    );
    expect(resumed.code, resumed.describe).toBe(0);
    const remaining = state.users.map((u) => u.id).filter((id) => !done.has(id));
    expect(usersListed(sim.stats())).toEqual([...remaining].sort());
    expectWarehouse(await readWarehouse(warehouse.db), expected, "after backfill --resume");

    const runs = await warehouse.db
      .selectFrom("teams.sync_runs")
      .select(["run_id", "status"])
      .where("trigger", "=", "backfill")
      .execute();
    expect(runs).toEqual([{ run_id: backfillRun, status: "succeeded" }]);
    expect((await committedUsers(backfillRun)).size).toBe(state.users.length);
  });

  it("the resumed backfill's run record counts the whole backfill, as its sync_run_users rows do", async () => {
    expect(backfill.runId, "the backfill test ran first").toBeGreaterThan(0);
    const perUser = await committedUsers(backfill.runId);
    expect(perUser.size).toBe(backfill.users);
    const run = await warehouse.db
      .selectFrom("teams.sync_runs")
      .select(["users_total", "users_succeeded", "users_failed"])
      .where("run_id", "=", backfill.runId)
      .executeTakeFirstOrThrow();
    expect(run).toEqual({
      users_total: backfill.users,
      users_succeeded: perUser.size,
      users_failed: 0,
    });
  });
});
