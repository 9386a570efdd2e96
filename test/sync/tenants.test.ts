/**
 * Tenants side by side in one warehouse, each run in one process: every tenant's runs,
 * viewpoints, watermarks and cursors carry its name, a tenant reads only its own
 * watermarks and cursors, and one tenant's run never closes another's as abandoned.
 */
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { createGraphExtractor, defineGraphConfig } from "../../src/extract/index.ts";
import { createLogger } from "../../src/log.ts";
import type { Simulator } from "../../src/sim/index.ts";
import { graphSource } from "../../src/sync/graph-source.ts";
import { pgWarehouse } from "../../src/sync/pg-warehouse.ts";
import { runSync, type RunSummary } from "../../src/sync/run-sync.ts";
import { syncOptions, useSimWarehouse, useSimulators } from "../support/sim-warehouse.ts";
import { expectTenantsWarehouse } from "../support/tenants-truth.ts";

const warehouse = useSimWarehouse();
const simulator = useSimulators({ users: 6, messages: { perChat: 4, largestChat: 30 } });
const WITH_MESSAGES = new Set(["chats", "members", "previews", "operations", "messages"] as const);

async function syncTenant(tenant: string, sim: Simulator): Promise<RunSummary> {
  const extractor = createGraphExtractor(
    defineGraphConfig({
      baseUrl: sim.url,
      auth: { kind: "static", token: sim.token },
      rateLimits: { scale: 0 },
    }),
  );
  const summary = await runSync(
    {
      graph: graphSource(extractor),
      warehouse: pgWarehouse(warehouse.db, { tenant }),
      logger: createLogger({ level: "silent" }),
    },
    await syncOptions({ streams: WITH_MESSAGES }),
  );
  expect(summary.fatal).toBeNull();
  return summary;
}

describe("tenants in one warehouse", () => {
  it("keep each tenant's runs, viewpoints, watermarks and cursors under its own name", async () => {
    await warehouse.reset();
    const tenants = {
      default: await simulator({ seed: 11 }),
      north: await simulator({ seed: 12 }),
    };
    for (const [name, sim] of Object.entries(tenants)) await syncTenant(name, sim);
    await expectTenantsWarehouse(warehouse.db, tenants);

    const { rows: runs } = await sql<{ tenant: string; status: string }>`
      select tenant, status from teams.sync_runs order by run_id`.execute(warehouse.db);
    expect(runs).toEqual([
      { tenant: "default", status: "succeeded" },
      { tenant: "north", status: "succeeded" },
    ]);
    // The user cursors (delta links) are the tenant's; its chats' cursors too, since no
    // chat is shared here.
    const { rows: cursors } = await sql<{ tenant: string; n: number }>`
      select tenant, count(*)::int as n from teams.sync_message_cursors
       group by tenant order by tenant`.execute(warehouse.db);
    expect(cursors.map((c) => c.tenant)).toEqual(["default", "north"]);

    // A second night reads each tenant's own watermarks and delta links: nothing changed,
    // nothing is written, and each user's changes cost one request.
    for (const [name, sim] of Object.entries(tenants)) {
      sim.resetStats();
      const again = await syncTenant(name, sim);
      expect(again.rowsWritten, name).toEqual({ inserted: 0, updated: 0 });
      expect(sim.stats().byRouteKind.getAllMessagesDelta, name).toBe(sim.state().users.length);
    }
  });

  it("reads only the tenant's watermarks, and closes only the tenant's abandoned runs", async () => {
    await warehouse.reset();
    const tenants = { east: await simulator({ seed: 21 }), west: await simulator({ seed: 22 }) };
    for (const [name, sim] of Object.entries(tenants)) await syncTenant(name, sim);
    const east = pgWarehouse(warehouse.db, { tenant: "east" });
    const west = pgWarehouse(warehouse.db, { tenant: "west" });
    const eastUsers = new Set(tenants.east.state().users.map((u) => u.id));
    const marks = (await east.readWatermarks(["chats"])).get("chats") ?? new Map();
    expect(marks.size).toBeGreaterThan(0);
    expect([...marks.keys()].every((id) => eastUsers.has(id))).toBe(true);

    const westRun = await west.startRun({ trigger: "manual", streams: ["chats"], options: {} });
    expect(await east.closeAbandonedRuns()).toBe(0);
    const status = async () =>
      (
        await warehouse.db
          .selectFrom("teams.sync_runs")
          .select("status")
          .where("run_id", "=", westRun)
          .executeTakeFirstOrThrow()
      ).status;
    expect(await status()).toBe("running");
    expect(await west.closeAbandonedRuns()).toBe(1);
    expect(await status()).toBe("failed");
  });
});
