import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { hostname } from "node:os";
import { sql } from "kysely";
import pg from "pg";
import { afterEach, describe, expect, inject, it } from "vitest";
import { DatabaseError } from "../../src/errors.ts";
import { checkRunFence, RunLockLostError } from "../../src/load/run-fence.ts";
import {
  acquireRunLock,
  findRunLockHolder,
  RUN_LOCK_KEY,
  RUN_LOCK_NAME,
  type RunLock,
  type RunLockBusy,
} from "../../src/schedule/run-lock.ts";
import { useWarehouse } from "../load/warehouse.ts";

const warehouse = useWarehouse();
const url = (): string => warehouse.database.url;
const held: RunLock[] = [];
/** Quick heartbeats, so that tests see a takeover within a few polls. */
const FAST = { heartbeatMs: 50, takeoverGraceMs: 60_000, reconnectMaxDelayMs: 100 };

/** Acquires and remembers the lock so a failing test still releases it. */
async function take(
  options: Parameters<typeof acquireRunLock>[1],
  database: pg.Pool | string = url(),
): Promise<RunLock | null> {
  const lock = await acquireRunLock(database, options);
  if (lock) held.push(lock);
  return lock;
}

afterEach(async () => {
  await Promise.all(held.splice(0).map((lock) => lock.release()));
  await query("UPDATE teams.sync_locks SET token = NULL, backend_pid = NULL");
});

async function query<T extends pg.QueryResultRow>(text: string, params: unknown[] = []) {
  const client = new pg.Client({ connectionString: url() });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(10);
  }
}

/** Backends holding the advisory key in this test's database. */
async function advisoryHolders(): Promise<number[]> {
  // Advisory locks are per database; other test files sync into other databases of the
  // same server at the same time, holding the same key there.
  const rows = await query<{ pid: number }>(
    `SELECT pid FROM pg_locks
      WHERE locktype = 'advisory' AND granted AND objsubid = 1
        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND ((classid::bigint << 32) | objid::bigint) = $1::bigint`,
    [RUN_LOCK_KEY.toString()],
  );
  return rows.map((r) => r.pid);
}

async function lockRow() {
  const rows = await query<{
    token: string | null;
    holder_pid: number | null;
    holder_host: string | null;
    backend_pid: number | null;
  }>("SELECT token::text, holder_pid, holder_host, backend_pid FROM teams.sync_locks");
  return rows[0];
}

/** A pid that was a process a moment ago and is none now. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "0"]);
  return child.pid ?? 0;
}

/** A fenced write transaction of the holding `lock`, as the warehouse port runs one. */
function fencedWrite(lock: RunLock): Promise<void> {
  return warehouse.db.transaction().execute((trx) => checkRunFence(trx, lock));
}

/** Runs `fn` as a new login role that is a member of teams_reader only. */
async function asReader<T>(fn: (readerUrl: string) => Promise<T>): Promise<T> {
  const login = `reader_${Math.random().toString(36).slice(2, 10)}`;
  await query(`create role ${login} login password 'pw' in role teams_reader`);
  const readerUrl = new URL(url());
  readerUrl.username = login;
  readerUrl.password = "pw";
  try {
    return await fn(readerUrl.toString());
  } finally {
    await query(`drop owned by ${login}`);
    await query(`drop role ${login}`);
  }
}

describe("run lock", () => {
  it("keeps the advisory key derived from its name, so that older versions are excluded too", () => {
    expect(RUN_LOCK_NAME).toBe("teams-chat-sync/run");
    const derived = createHash("sha256").update(RUN_LOCK_NAME).digest().readBigInt64BE(0);
    expect(RUN_LOCK_KEY).toBe(derived);
    expect(RUN_LOCK_KEY).toBe(-8532736464621592992n);
  });

  it("is the row of teams.sync_locks with a fresh token on the lock's own backend, plus the advisory key; both freed on release", async () => {
    const lock = await take({ wait: false });
    expect(lock).not.toBeNull();
    expect(await lockRow()).toEqual({
      token: lock?.token,
      holder_pid: process.pid,
      holder_host: hostname(),
      backend_pid: lock?.backendPid,
    });
    expect(await advisoryHolders()).toEqual([lock?.backendPid]);
    await lock?.release();
    expect((await lockRow())?.token).toBeNull();
    expect(await advisoryHolders()).toEqual([]);
    expect(await findRunLockHolder(url())).toBeNull();
  });

  it("gives a second acquirer that does not wait null, with the holder's process, backend, name and start", async () => {
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
      pid: process.pid,
      host: hostname(),
      connected: true,
    });
    expect(busy[0]?.holder?.lockedSince?.getTime()).toBeGreaterThanOrEqual(before.getTime());
    expect(busy[0]?.message).toContain("another teams-chat-sync run holds the run lock");
    expect(busy[0]?.message).toContain(`process ${process.pid} on ${hostname()}`);
    expect(busy[0]?.message).toContain(`postgres backend pid ${holder?.backendPid}`);
    expect(busy[0]?.message).toContain('application "holder-A pid=4242 host=box"');
    expect(busy[0]?.message).toContain("since ");
  });

  it("names this process and host in the default application_name", async () => {
    const lock = await take({ wait: false });
    const holder = await findRunLockHolder(url());
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
    expect((await findRunLockHolder(url()))?.backendPid).toBe(second?.backendPid);
  });

  it("keeps waiting through a lost connection of its own (a restart while it waits), and gets the lock once free", async () => {
    const holder = await take({ wait: false });
    let waitingSince = false;
    const waiting = take({
      wait: true,
      pollIntervalMs: 20,
      applicationName: "waiter through a restart",
      onWaiting: () => (waitingSince = true),
    });
    await until(() => waitingSince);
    const ended = await query<{ ended: boolean }>(
      `SELECT pg_terminate_backend(pid, 5000) AS ended FROM pg_stat_activity
        WHERE application_name = 'waiter through a restart'`,
    );
    expect(ended.map((r) => r.ended)).toEqual([true]);
    await holder?.release();
    const lock = await waiting;
    expect(lock).not.toBeNull();
    expect((await lockRow())?.token).toBe(lock?.token);
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

  it("survives the death of its connection: the holder re-registers a new backend at once, a second acquirer is refused meanwhile, and `lost` stays quiet", async () => {
    const holder = await take({ wait: false, timing: FAST });
    if (!holder) throw new Error("not acquired");
    const first = holder.backendPid;
    await query("SELECT pg_terminate_backend($1, 5000)", [first]);
    // Right after the loss, before or after the re-registration: refused either way.
    const busy: RunLockBusy[] = [];
    expect(await take({ wait: false, onBusy: (b) => busy.push(b) })).toBeNull();
    expect(busy[0]?.message).toContain(`process ${process.pid}`);

    await until(() => holder.backendPid !== first);
    expect((await lockRow())?.backend_pid).toBe(holder.backendPid);
    expect(await advisoryHolders()).toEqual([holder.backendPid]);
    expect(await take({ wait: false })).toBeNull();
    expect(holder.lost.aborted).toBe(false);
    // Its writes pass the fence again.
    await expect(fencedWrite(holder)).resolves.toBeUndefined();
  });

  it("makes writes wait (a retryable error) while its connection is gone, never pass", async () => {
    // No heartbeat during the test: it would register the live connection again.
    const holder = await take({ wait: false, timing: { heartbeatMs: 3_600_000 } });
    if (!holder) throw new Error("not acquired");
    // The row as a lost connection leaves it until the holder re-registers.
    await query("UPDATE teams.sync_locks SET backend_pid = 2147483000");
    const error = await fencedWrite(holder).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error).toMatchObject({ retryable: true });
    expect(error).not.toBeInstanceOf(RunLockLostError);
  });

  it("is taken over at once from a holder whose process is dead on this host and whose backend is gone", async () => {
    const dead = deadPid();
    await query(
      `INSERT INTO teams.sync_locks (name, token, holder_pid, holder_host, backend_pid,
         backend_start, acquired_at, heartbeat_at)
       VALUES ($1, gen_random_uuid(), $2, $3, 2147483000, now(), now(), now())
       ON CONFLICT (name) DO UPDATE SET token = excluded.token, holder_pid = excluded.holder_pid,
         holder_host = excluded.holder_host, backend_pid = excluded.backend_pid,
         backend_start = excluded.backend_start, heartbeat_at = excluded.heartbeat_at`,
      [RUN_LOCK_NAME, dead, hostname()],
    );
    const lock = await take({ wait: false });
    expect(lock).not.toBeNull();
    expect((await lockRow())?.token).toBe(lock?.token);
  });

  it("waits for the grace before taking over a holder on another host whose backend is gone, counted from its last heartbeat", async () => {
    // The grace counts from the server's start too (a restart gives every holder all of
    // it): this server must have been up longer than the grace used here.
    const graceMs = 1000;
    await until(async () => {
      const [row] = await query<{ ms: number }>(
        "SELECT extract(epoch FROM now() - pg_postmaster_start_time()) * 1000 AS ms",
      );
      return (row?.ms ?? 0) > 2 * graceMs;
    }, 10_000);
    await query(
      `INSERT INTO teams.sync_locks (name, token, holder_pid, holder_host, backend_pid,
         backend_start, acquired_at, heartbeat_at)
       VALUES ($1, gen_random_uuid(), 4242, 'elsewhere', 2147483000, now(), now(), now())
       ON CONFLICT (name) DO UPDATE SET token = excluded.token, holder_pid = excluded.holder_pid,
         holder_host = excluded.holder_host, backend_pid = excluded.backend_pid,
         backend_start = excluded.backend_start, heartbeat_at = excluded.heartbeat_at`,
      [RUN_LOCK_NAME],
    );
    const busy: RunLockBusy[] = [];
    const timing = { takeoverGraceMs: graceMs };
    expect(await take({ wait: false, timing, onBusy: (b) => busy.push(b) })).toBeNull();
    expect(busy[0]?.holder).toMatchObject({ pid: 4242, host: "elsewhere", connected: false });
    expect(busy[0]?.message).toContain("its database connection is gone");

    await query("UPDATE teams.sync_locks SET heartbeat_at = now() - interval '1.5 seconds'");
    const lock = await take({ wait: false, timing });
    expect(lock).not.toBeNull();
  });

  it("once taken over, the old holder's next write fails with RunLockLostError naming the new holder, and `lost` fires", async () => {
    const holder = await take({ wait: false, timing: FAST });
    if (!holder) throw new Error("not acquired");
    // What a takeover leaves: another token, another process.
    await query(
      "UPDATE teams.sync_locks SET token = gen_random_uuid(), holder_pid = 777, holder_host = 'other-box'",
    );
    const error = await fencedWrite(holder).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RunLockLostError);
    expect(String(error)).toMatch(
      /the run lock was taken over by process 777 on other-box .*stopping before the next write/,
    );
    await until(() => holder.lost.aborted);
    expect(holder.lost.reason).toBeInstanceOf(RunLockLostError);
    // Released after losing it, the holder frees nothing of the new holder's.
    await holder.release();
    expect((await lockRow())?.holder_pid).toBe(777);
  });

  it("does not report the lock lost after a normal release", async () => {
    const lock = await take({ wait: false, timing: FAST });
    await lock?.release();
    await lock?.release(); // idempotent
    await sleep(150);
    expect(lock?.lost.aborted).toBe(false);
  });

  it("never lets two concurrent acquirers hold it at once", async () => {
    let inside = 0;
    let maxInside = 0;
    let done = 0;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        const lock = await acquireRunLock(url(), { wait: true, pollIntervalMs: 5 });
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
    const pool = new pg.Pool({ connectionString: url(), max: 1 });
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
    const unreachable = new URL(url());
    unreachable.port = "1";
    await expect(acquireRunLock(unreachable.toString(), { wait: false })).rejects.toBeInstanceOf(
      DatabaseError,
    );
  });
});

describe("run lock and other roles and versions", () => {
  it("cannot be taken by a login role granted teams_reader, and that role holding the advisory key does not keep a sync from taking it", async () => {
    await asReader(async (readerUrl) => {
      // The reader's own attempt: permission denied on the lock row.
      const attempt = acquireRunLock(readerUrl, { wait: false });
      await expect(attempt).rejects.toBeInstanceOf(DatabaseError);
      await expect(attempt).rejects.toThrow(/permission denied/);
      // Nor can it lock the row by hand to stall takeovers or writes.
      const reader = new pg.Client({ connectionString: readerUrl });
      await reader.connect();
      try {
        await expect(reader.query("SELECT * FROM teams.sync_locks FOR KEY SHARE")).rejects.toThrow(
          /permission denied/,
        );
        // What blocked every sync before: the public advisory key, held by the reader.
        const { rows } = await reader.query<{ locked: boolean }>(
          "SELECT pg_try_advisory_lock($1::bigint) AS locked",
          [RUN_LOCK_KEY.toString()],
        );
        expect(rows[0]?.locked).toBe(true);
        const lock = await take({ wait: false, timing: FAST });
        if (!lock) throw new Error("the reader's advisory key kept the sync out");
        expect((await lockRow())?.token).toBe(lock.token);
        await expect(fencedWrite(lock)).resolves.toBeUndefined();
        // Once the reader lets the key go, the holder takes it (so no older binary can).
        await reader.query("SELECT pg_advisory_unlock($1::bigint)", [RUN_LOCK_KEY.toString()]);
        await until(async () => (await advisoryHolders()).includes(lock.backendPid));
      } finally {
        await reader.end();
      }
    });
  });

  it("is busy while an older binary (a role that can write, holding only the advisory key) runs", async () => {
    const older = new pg.Client({
      connectionString: url(),
      application_name: "teams-chat-sync run-lock pid=1 host=old",
    });
    await older.connect();
    try {
      await older.query("SELECT pg_advisory_lock($1::bigint)", [RUN_LOCK_KEY.toString()]);
      const busy: RunLockBusy[] = [];
      expect(await take({ wait: false, onBusy: (b) => busy.push(b) })).toBeNull();
      expect(busy[0]?.message).toContain("an older version holding the advisory key");
      expect(busy[0]?.message).toMatch(/postgres backend pid \d+/);
      expect((await lockRow())?.token ?? null).toBeNull();
    } finally {
      await older.end();
    }
    expect(await take({ wait: false })).not.toBeNull();
  });

  it("is lost, not shared, when an older binary takes the advisory key while the holder's connection is down", async () => {
    const holder = await take({ wait: false, timing: FAST });
    if (!holder) throw new Error("not acquired");
    const older = new pg.Client({ connectionString: url() });
    await older.connect();
    // ALTER DATABASE … ALLOW_CONNECTIONS runs from another database.
    const admin = new pg.Client({ connectionString: inject("adminDatabaseUrl") });
    await admin.connect();
    const database = warehouse.database.name;
    try {
      // Keeps the holder from reconnecting until the older binary has taken the key.
      await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS false`);
      await older.query("SELECT pg_terminate_backend($1, 5000)", [holder.backendPid]);
      const { rows } = await older.query<{ locked: boolean }>(
        "SELECT pg_try_advisory_lock($1::bigint) AS locked",
        [RUN_LOCK_KEY.toString()],
      );
      expect(rows[0]?.locked).toBe(true);
      await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS true`);
      await until(() => holder.lost.aborted);
      expect(String(holder.lost.reason)).toMatch(
        /an older teams-chat-sync .* took its advisory key/,
      );
      await expect(fencedWrite(holder)).rejects.toBeInstanceOf(RunLockLostError);
    } finally {
      await older
        .query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS true`)
        .catch(() => undefined);
      await older.end();
    }
  });
});

describe("run lock table", () => {
  it("is readable by analysts (who holds it) and writable only with UPDATE", async () => {
    const { rows } = await sql<{ select: boolean; update: boolean }>`
      select has_table_privilege('teams_reader', 'teams.sync_locks', 'SELECT') as select,
             has_table_privilege('teams_reader', 'teams.sync_locks', 'UPDATE') as update`.execute(
      warehouse.db,
    );
    expect(rows).toEqual([{ select: true, update: false }]);
  });
});
