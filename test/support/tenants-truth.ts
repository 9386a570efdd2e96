/**
 * Several simulated tenants synced into one warehouse: what it must hold is each
 * simulator's ground truth side by side (their seeds differ, so they share no id), and
 * every viewpoint and bookkeeping row must carry the tenant whose run wrote it.
 */
import { sql, type Kysely } from "kysely";
import { expect } from "vitest";
import type { Database } from "../../src/load/index.ts";
import type { Simulator } from "../../src/sim/index.ts";
import { expectedWarehouse } from "./expected-warehouse.ts";
import {
  DATA_TABLES,
  expectWarehouse,
  readWarehouse,
  sortByKey,
  type WarehouseSnapshot,
} from "./warehouse-snapshot.ts";

/** The warehouse equals the union of every tenant's expectation, with no duplicate rows. */
export async function expectTenantsWarehouse(
  db: Kysely<Database>,
  tenants: Readonly<Record<string, Simulator>>,
): Promise<void> {
  const expected = Object.fromEntries(DATA_TABLES.map((t) => [t, [] as object[]])) as Record<
    keyof WarehouseSnapshot,
    object[]
  >;
  for (const sim of Object.values(tenants)) {
    const one = expectedWarehouse(sim.state());
    for (const table of DATA_TABLES) expected[table].push(...one[table]);
  }
  for (const table of DATA_TABLES) expected[table] = sortByKey(table, expected[table]);
  expectWarehouse(await readWarehouse(db), expected as unknown as WarehouseSnapshot);

  // Each user's viewpoints, watermarks and run rows carry the user's tenant.
  for (const [tenant, sim] of Object.entries(tenants)) {
    const users = sim.state().users.map((u) => u.id);
    for (const table of ["user_chats", "sync_watermarks", "sync_run_users"]) {
      const { rows } = await sql<{ tenant: string; n: number }>`
        select tenant, count(*)::int as n from ${sql.table(`teams.${table}`)}
         where user_id = any(${users}::text[]) group by tenant`.execute(db);
      expect(
        rows.map((r) => r.tenant),
        `teams.${table}: the tenant of ${tenant}'s users`,
      ).toEqual([tenant]);
    }
  }
}
