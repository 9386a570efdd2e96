/**
 * The claim invariant over a real run: each chat's shared rows are loaded by exactly one
 * user's batch, and no user commits its own transaction (and so its watermarks) before
 * the shared rows of every chat it listed have committed.
 */
import { describe, expect, it } from "vitest";
import { createGraphExtractor, defineGraphConfig } from "../../src/extract/index.ts";
import { createLogger } from "../../src/log.ts";
import { graphSource } from "../../src/sync/graph-source.ts";
import { pgWarehouse } from "../../src/sync/pg-warehouse.ts";
import { runSync } from "../../src/sync/run-sync.ts";
import type { Warehouse } from "../../src/sync/warehouse.ts";
import { expectedWarehouse } from "../support/expected-warehouse.ts";
import { expectWarehouse } from "../support/fault-harness.ts";
import { syncOptions, useSimulators, useSimWarehouse } from "../support/sim-warehouse.ts";
import { readWarehouse } from "../support/warehouse-snapshot.ts";

const warehouse = useSimWarehouse();
const simulator = useSimulators();

describe("chat claims in a run", () => {
  it("load each chat's shared rows once, and commit every user after the chats it listed", async () => {
    // Latency keeps many users in flight at once, listing the same chats.
    const sim = await simulator({ users: 24, seed: 11, latencyMs: 5 });
    const real = pgWarehouse(warehouse.db);
    const loadedBy = new Map<string, number>();
    const committed = new Set<string>();
    const early: string[] = [];
    let batches = 0;
    const spy: Warehouse = {
      ...real,
      async loadChats(load) {
        const written = await real.loadChats(load);
        batches++;
        for (const listed of load.chats) {
          const id = listed.chat.chat_id;
          loadedBy.set(id, (loadedBy.get(id) ?? 0) + 1);
          committed.add(id);
        }
        return written;
      },
      async loadUser(load) {
        for (const v of load.viewpoints) {
          if (!committed.has(v.chat_id)) early.push(`${load.userId} before ${v.chat_id}`);
        }
        return real.loadUser(load);
      },
    };
    const extractor = createGraphExtractor(
      defineGraphConfig({
        baseUrl: sim.url,
        auth: { kind: "static", token: sim.token },
        rateLimits: { scale: 0 },
      }),
    );
    const summary = await runSync(
      { graph: graphSource(extractor), warehouse: spy, logger: createLogger({ level: "silent" }) },
      await syncOptions({ concurrency: 12 }),
    );
    expect(summary.status).toBe("succeeded");

    const state = sim.state();
    expect(state.chats.length).toBeGreaterThan(0);
    expect([...loadedBy.keys()].sort()).toEqual(state.chats.map((c) => c.id).sort());
    expect([...loadedBy].filter(([, n]) => n !== 1)).toEqual([]);
    // Fewer transactions than chats: claimed chats commit in batches.
    expect(batches).toBeLessThan(state.chats.length);
    expect(early).toEqual([]);
    expectWarehouse(await readWarehouse(warehouse.db), expectedWarehouse(state));
  });

  it("tell the loader which users no earlier run committed (their viewpoints skip the unchanged-row probe)", async () => {
    await warehouse.reset();
    const sim = await simulator({ users: 8, seed: 5 });
    const real = pgWarehouse(warehouse.db);
    const extractor = createGraphExtractor(
      defineGraphConfig({
        baseUrl: sim.url,
        auth: { kind: "static", token: sim.token },
        rateLimits: { scale: 0 },
      }),
    );
    const run = async () => {
      const seen = new Map<string, boolean | undefined>();
      const spy: Warehouse = {
        ...real,
        loadUser(load) {
          seen.set(load.userId, load.mayHaveRows);
          return real.loadUser(load);
        },
      };
      const summary = await runSync(
        {
          graph: graphSource(extractor),
          warehouse: spy,
          logger: createLogger({ level: "silent" }),
        },
        await syncOptions({ concurrency: 4 }),
      );
      expect(summary.status).toBe("succeeded");
      return seen;
    };
    const first = await run();
    expect(first.size).toBe(8);
    expect([...first.values()].every((v) => v === false)).toBe(true);
    const withWatermark = new Set(
      (await warehouse.db.selectFrom("teams.sync_watermarks").select("user_id").execute()).map(
        (r) => r.user_id,
      ),
    );
    expect(withWatermark.size).toBeGreaterThan(0);
    const second = await run();
    expect([...second].filter(([user, v]) => v !== withWatermark.has(user))).toEqual([]);
  });
});
