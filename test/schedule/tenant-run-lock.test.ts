/**
 * One run lock per tenant: tenants sync side by side, two runs of one tenant never do,
 * and only the `default` tenant's lock is the advisory key older binaries know.
 */
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import {
  acquireRunLock,
  findRunLockHolder,
  RUN_LOCK_KEY,
  RUN_LOCK_NAME,
  runLockName,
  type RunLock,
} from "../../src/schedule/run-lock.ts";
import { useWarehouse } from "../load/warehouse.ts";

const warehouse = useWarehouse();
const url = (): string => warehouse.database.url;
const held: RunLock[] = [];

afterEach(async () => {
  await Promise.all(held.splice(0).map((lock) => lock.release()));
});

async function take(tenant: string): Promise<RunLock | null> {
  const lock = await acquireRunLock(url(), { name: runLockName(tenant), wait: false });
  if (lock) held.push(lock);
  return lock;
}

/** Backends holding the old binaries' advisory key in this test's database. */
async function advisoryHolders(): Promise<number[]> {
  const client = new pg.Client({ connectionString: url() });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      `SELECT pid FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND objsubid = 1
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND ((classid::bigint << 32) | objid::bigint) = $1::bigint`,
      [RUN_LOCK_KEY.toString()],
    );
    return rows.map((r) => r.pid);
  } finally {
    await client.end();
  }
}

describe("the run lock of a tenant", () => {
  it("keeps the single-tenant name for default and names every other tenant's lock apart", () => {
    expect(runLockName("default")).toBe(RUN_LOCK_NAME);
    expect(runLockName("north")).toBe(`${RUN_LOCK_NAME}/north`);
  });

  it("lets two tenants hold their locks at once, and refuses a second holder of either", async () => {
    const north = await take("north");
    const south = await take("south");
    expect(north).not.toBeNull();
    expect(south).not.toBeNull();
    expect(await take("north")).toBeNull();
    expect(await take("south")).toBeNull();
    const holder = await findRunLockHolder(url(), {}, runLockName("north"));
    expect(holder).toMatchObject({ pid: process.pid, backendPid: north?.backendPid });
    expect(await findRunLockHolder(url(), {}, runLockName("west"))).toBeNull();
  });

  it("takes the advisory key for default only, so a tenant's lock never stands in an old binary's way or the default tenant's", async () => {
    const north = await take("north");
    expect(north).not.toBeNull();
    expect(await advisoryHolders()).toEqual([]);
    const main = await take("default");
    expect(main).not.toBeNull();
    expect(await advisoryHolders()).toEqual([main?.backendPid]);
    await north?.release();
    expect(await take("north")).not.toBeNull();
  });
});
