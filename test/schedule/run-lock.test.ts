import { createHash } from "node:crypto";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { DatabaseError } from "../../src/errors.ts";
import {
  acquireRunLock,
  findRunLockHolder,
  RUN_LOCK_KEY,
  RUN_LOCK_NAME,
  type RunLock,
  type RunLockBusy,
} from "../../src/schedule/run-lock.ts";
import { useTestDatabase } from "../support/database.ts";

const db = useTestDatabase();
const held: RunLock[] = [];

/** Acquires and remembers the lock so a failing test still releases it. */
async function take(
  options: Parameters<typeof acquireRunLock>[1],
  database: pg.Pool | string = db.url,
): Promise<RunLock | null> {
  const lock = await acquireRunLock(database, options);
  if (lock) held.push(lock);
  return lock;
}

afterEach(async () => {
  await Promise.all(held.splice(0).map((lock) => lock.release()));
});

async function query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(10);
  }
}

describe("run lock", () => {
  it("uses a fixed key derived from its name, so every version of the program agrees", () => {
    expect(RUN_LOCK_NAME).toBe("teams-chat-sync/run");
    const derived = createHash("sha256").update(RUN_LOCK_NAME).digest().readBigInt64BE(0);
    expect(RUN_LOCK_KEY).toBe(derived);
    expect(RUN_LOCK_KEY).toBe(-8532736464621592992n);
  });

  it("is a session advisory lock on the key, visible in pg_locks while held, gone after release", async () => {
    const lock = await take({ wait: false });
    expect(lock).not.toBeNull();
    // Advisory locks are per database; other test files sync into other databases of the
    // same server at the same time, holding the same key there.
    const rows = await query<{ pid: number }>(
      `SELECT pid FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND objsubid = 1
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND ((classid::bigint << 32) | objid::bigint) = $1::bigint`,
      [RUN_LOCK_KEY.toString()],
    );
    expect(rows.map((r) => r.pid)).toEqual([lock?.backendPid]);
    await lock?.release();
    expect(await findRunLockHolder(db.url)).toBeNull();
  });

  it("gives a second acquirer that does not wait null, with the holder's pid, name and start", async () => {
    const before = new Date(Date.now() - 1000);
    const holder = await take({ wait: false, applicationName: "holder-A pid=4242 host=box" });
    expect(holder).not.toBeNull();

    const busy: RunLockBusy[] = [];
    const second = await take({ wait: false, onBusy: (b) => busy.push(b) });
    expect(second).toBeNull();
    expect(busy).toHaveLength(1);
    expect(busy[0]?.holder).toMatchObject({
      backendPid: holder?.backendPid,
      applicationName: "holder-A pid=4242 host=box",
    });
    expect(busy[0]?.holder?.lockedSince?.getTime()).toBeGreaterThanOrEqual(before.getTime());
    expect(busy[0]?.message).toContain("another teams-chat-sync run holds the run lock");
    expect(busy[0]?.message).toContain(`postgres backend pid ${holder?.backendPid}`);
    expect(busy[0]?.message).toContain('application "holder-A pid=4242 host=box"');
    expect(busy[0]?.message).toContain("since ");
  });

  it("names this process and host in the default application_name", async () => {
    const lock = await take({ wait: false });
    const holder = await findRunLockHolder(db.url);
    expect(holder?.backendPid).toBe(lock?.backendPid);
    expect(holder?.applicationName).toMatch(
      new RegExp(`^teams-chat-sync run-lock pid=${process.pid} host=`),
    );
  });

  it("lets a waiting acquirer in once the holder releases, and not before", async () => {
    const holder = await take({ wait: false });
    const events: string[] = [];
    const waiting = take({
      wait: true,
      pollIntervalMs: 20,
      onWaiting: (b) => events.push(`waiting for ${b.holder?.backendPid}`),
    }).then((lock) => {
      events.push("acquired");
      return lock;
    });
    await until(() => events.length > 0);
    await sleep(150); // several polls while the holder still holds it
    expect(events).toEqual([`waiting for ${holder?.backendPid}`]);
    events.push("released");
    await holder?.release();
    const second = await waiting;
    expect(second).not.toBeNull();
    expect(events).toEqual([`waiting for ${holder?.backendPid}`, "released", "acquired"]);
    expect((await findRunLockHolder(db.url))?.backendPid).toBe(second?.backendPid);
  });

  it("gives up after timeoutMs with null and the holder", async () => {
    const holder = await take({ wait: false });
    const busy: RunLockBusy[] = [];
    const started = Date.now();
    const second = await take({
      wait: true,
      timeoutMs: 300,
      pollIntervalMs: 50,
      onBusy: (b) => busy.push(b),
    });
    expect(second).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(busy[0]?.holder?.backendPid).toBe(holder?.backendPid);
  });

  it("stops waiting when its signal aborts, rejecting with the abort reason", async () => {
    await take({ wait: false });
    const controller = new AbortController();
    const waiting = take({ wait: true, pollIntervalMs: 20, signal: controller.signal });
    await sleep(100);
    controller.abort(new Error("SIGTERM"));
    await expect(waiting).rejects.toThrow("SIGTERM");
  });

  it("is freed by Postgres when the holder's backend dies, and the holder learns it lost it", async () => {
    const holder = await take({ wait: false });
    expect(holder).not.toBeNull();
    if (!holder) return;
    const lostReason = new Promise<unknown>((resolve) =>
      holder.lost.addEventListener("abort", () => resolve(holder.lost.reason)),
    );
    expect(await take({ wait: false })).toBeNull();

    await query("SELECT pg_terminate_backend($1)", [holder.backendPid]);

    const second = await take({ wait: true, timeoutMs: 5000, pollIntervalMs: 20 });
    expect(second).not.toBeNull();
    expect(second?.backendPid).not.toBe(holder.backendPid);
    expect(await lostReason).toBeInstanceOf(Error);
    expect(holder.lost.aborted).toBe(true);
    // Releasing a lost lock neither throws nor frees the new holder's lock.
    await holder.release();
    expect((await findRunLockHolder(db.url))?.backendPid).toBe(second?.backendPid);
  });

  it("does not report the lock lost after a normal release", async () => {
    const lock = await take({ wait: false });
    await lock?.release();
    await lock?.release(); // idempotent
    await sleep(50);
    expect(lock?.lost.aborted).toBe(false);
  });

  it("never lets two concurrent acquirers hold it at once", async () => {
    let inside = 0;
    let maxInside = 0;
    let done = 0;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        const lock = await acquireRunLock(db.url, { wait: true, pollIntervalMs: 5 });
        if (!lock) throw new Error("waiting acquirer got null without a timeout");
        inside++;
        maxInside = Math.max(maxInside, inside);
        await sleep(30);
        inside--;
        done++;
        await lock.release();
      }),
    );
    expect(done).toBe(6);
    expect(maxInside).toBe(1);
  });

  it("grants exactly one of several simultaneous non-waiting acquirers", async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => take({ wait: false })));
    expect(results.filter((r) => r !== null)).toHaveLength(1);
  });

  it("holds the lock on a connection of its own, outside a pool it is given", async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      const lock = await take({ wait: false }, pool);
      expect(lock).not.toBeNull();
      // The pool's only slot is free, and its connection is not the lock's.
      const rows = await pool.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      expect(rows.rows[0]?.pid).not.toBe(lock?.backendPid);
      expect(pool.totalCount).toBe(1);
      expect(await take({ wait: false }, pool)).toBeNull();
    } finally {
      await Promise.all(held.splice(0).map((lock) => lock.release()));
      await pool.end();
    }
  });

  it("reports an unreachable database as a DatabaseError", async () => {
    const url = new URL(db.url);
    url.port = "1";
    await expect(acquireRunLock(url.toString(), { wait: false })).rejects.toBeInstanceOf(
      DatabaseError,
    );
  });
});
