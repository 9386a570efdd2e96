/**
 * A fatal error (auth, database) ends the run promptly whatever the number of users
 * queued behind the concurrency limit: the run settles, its record is finished, and the
 * users that never started are accounted for.
 */
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { syncTuned, useSimWarehouse, useSimulators } from "../support/sim-warehouse.ts";

const warehouse = useSimWarehouse();
const simulator = useSimulators({ users: 30, seed: 11 });

describe("a fatal error with more users than the concurrency", () => {
  it("ends the run (a rejected token for every listing) instead of waiting for queued users", async () => {
    const sim = await simulator();
    const userIds = sim.state().users.map((u) => u.id);
    expect(userIds.length).toBeGreaterThan(5);

    const summary = await syncTuned(
      sim,
      warehouse.db,
      {},
      { users: { kind: "list", ids: userIds }, concurrency: 5 },
      { tokenProvider: { getToken: async () => "expired-token" } },
    );

    expect(summary.status).toBe("failed");
    expect(summary.fatal).toMatch(/401/);
    // Every user is accounted for: none succeeded, the total is the whole selection.
    expect(summary.users.total).toBe(userIds.length);
    expect(summary.users.succeeded).toBe(0);
    const runs = await sql<{ status: string; finished_at: Date | null }>`
      select status, finished_at from teams.sync_runs where run_id = ${summary.runId}`.execute(
      warehouse.db,
    );
    expect(runs.rows[0]?.status).toBe("failed");
    expect(runs.rows[0]?.finished_at).not.toBeNull();
  }, 20_000);

  it("stops, finishes the record and adds up when a user's failure cannot be recorded", async () => {
    await warehouse.reset();
    const sim = await simulator();
    const userIds = sim.state().users.map((u) => u.id);
    const failing = userIds.slice(0, 3);
    sim.setFaults([{ kind: "userError", status: 403, users: failing, routes: ["listChats"] }]);
    // Postgres refuses every failure record (not a transient error: no retry helps).
    await sql`create function teams.refuse_failures() returns trigger language plpgsql as $$
      begin raise exception 'failures are refused here' using errcode = 'XX000'; end $$`.execute(
      warehouse.db,
    );
    await sql`create trigger refuse before insert on teams.sync_failures
      for each row execute function teams.refuse_failures()`.execute(warehouse.db);
    try {
      const summary = await syncTuned(
        sim,
        warehouse.db,
        {},
        { users: { kind: "list", ids: userIds }, concurrency: 4 },
      );
      expect(summary.status).toBe("failed");
      expect(summary.fatal).toMatch(/failures are refused here/);
      const { total, succeeded, failed, notSynced } = summary.users;
      expect(total).toBe(userIds.length);
      expect(succeeded + failed + notSynced).toBe(total);
      expect(notSynced).toBeGreaterThan(0);
      const runs = await sql<{ status: string; users_total: number; running: number }>`
        select status, users_total,
               (select count(*)::int from teams.sync_runs where status = 'running') as running
          from teams.sync_runs where run_id = ${summary.runId}`.execute(warehouse.db);
      expect(runs.rows[0]).toEqual({ status: "failed", users_total: total, running: 0 });
    } finally {
      await sql`drop trigger refuse on teams.sync_failures`.execute(warehouse.db);
      await sql`drop function teams.refuse_failures()`.execute(warehouse.db);
    }
  }, 30_000);
});
