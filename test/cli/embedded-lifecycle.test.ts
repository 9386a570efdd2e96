/**
 * The embedded server's lifecycle through the real binary: one server per DATA_DIR,
 * shared by every process using it, stopped by its last user or, when every user was
 * killed, by its watchdog; never a stale postmaster.pid trusted; and every command that
 * opens the warehouse stops cleanly on SIGINT/SIGTERM. Every test uses its own port.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "../../src/load/embedded-postgres.ts";
import { startSimulator, type Simulator } from "../../src/sim/index.ts";
import { runCli, startCli, type RunningCli } from "../support/cli.ts";
import {
  embeddedUrl,
  freePort,
  isPostgres,
  openTempDataDir,
  removeDataDir,
  serverOf,
  waitFor,
  watchdogPid,
} from "../support/embedded-server.ts";
import { SMALL_TENANT } from "../support/sim-warehouse.ts";

let sim: Simulator;
const dataDirs: string[] = [];

beforeAll(async () => {
  sim = await startSimulator({ ...SMALL_TENANT, users: 4, rateScale: 0 });
});

afterAll(async () => {
  await sim.close();
  for (const dir of dataDirs) await removeDataDir(dir);
});

/** A fresh DATA_DIR (its cluster is made by the first command) and a port of its own. */
async function embedded(): Promise<{ dataDir: string; env: Record<string, string> }> {
  const dataDir = openTempDataDir("tcs-lifecycle-");
  dataDirs.push(dataDir);
  const env = {
    DATA_DIR: dataDir,
    EMBEDDED_POSTGRES_PORT: String(await freePort()),
    GRAPH_BASE_URL: sim.url,
    GRAPH_ACCESS_TOKEN: sim.token,
    LOG_LEVEL: "info",
  };
  return { dataDir, env };
}

/** `schedule` on a cron that never comes: a command that holds the server until stopped. */
function idleSchedule(env: Record<string, string>): RunningCli {
  return startCli(["schedule", "--cron", "0 0 1 1 *", "--no-catch-up"], env, 120_000);
}

/** Waits until the server `cli` started (the only user of its DATA_DIR) is ready. */
async function holding(cli: RunningCli, dataDir: string): Promise<{ pid: number; port: number }> {
  return waitFor(`${cli.pid} to hold the server of ${dataDir}`, () => {
    if (cli.exited()) throw new Error(`the command exited early`);
    const server = serverOf(dataDir);
    return server?.ready ? server : null;
  });
}

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

describe("one server per DATA_DIR, shared and reference-counted", { timeout: 180_000 }, () => {
  it("a process that joined a server keeps it when the process that started it exits; the last user stops it", async () => {
    const { dataDir, env } = await embedded();
    const starter = idleSchedule(env);
    const started = await holding(starter, dataDir);
    const joined = await startEmbeddedPostgres({
      dir: dataDir,
      port: Number(env.EMBEDDED_POSTGRES_PORT),
      persistent: true,
    });
    expect(serverOf(dataDir)?.pid).toBe(started.pid);

    starter.child.kill("SIGTERM");
    const result = await starter.done;
    expect(result.code, result.describe).toBe(0);
    // The starter left; the server stays for the process still using it.
    expect(isPostgres(started.pid)).toBe(true);
    expect(await query(joined.url, "select 1 as one")).toEqual([{ one: 1 }]);

    await joined.stop();
    // The last user stops it itself, not some time later.
    expect(isPostgres(started.pid)).toBe(false);
    expect(serverOf(dataDir)).toBeNull();
  });

  it("SIGKILL of every process using the server: it stops on its own", async () => {
    const { dataDir, env } = await embedded();
    const cli = idleSchedule(env);
    const server = await holding(cli, dataDir);
    cli.child.kill("SIGKILL");
    expect((await cli.done).signal).toBe("SIGKILL");
    await waitFor("the orphaned server to stop", () => !isPostgres(server.pid));
    expect(serverOf(dataDir)).toBeNull();
  });

  it("a server whose starter and watchdog were both killed is adopted, said so, and stopped by its last user", async () => {
    const { dataDir, env } = await embedded();
    const cli = idleSchedule(env);
    const server = await holding(cli, dataDir);
    const watchdog = await waitFor("the watchdog", () => watchdogPid(dataDir));
    process.kill(watchdog, "SIGKILL");
    cli.child.kill("SIGKILL");
    await cli.done;
    expect(isPostgres(server.pid)).toBe(true);

    const migrate = await runCli(["migrate"], env);
    expect(migrate.code, migrate.describe).toBe(0);
    expect(migrate.stderr).toMatch(/adopting the embedded Postgres \(pid \d+, port \d+\)/);
    expect(isPostgres(server.pid)).toBe(false);
  });

  it("a stale postmaster.pid naming another cluster's live server is not trusted", async () => {
    const { dataDir, env } = await embedded();
    const made = await runCli(["migrate"], env);
    expect(made.code, made.describe).toBe(0);
    expect(serverOf(dataDir)).toBeNull();

    // After a crash the pid in the file now belongs to another cluster's server.
    const otherDir = openTempDataDir("tcs-other-cluster-");
    dataDirs.push(otherDir);
    const other = await startEmbeddedPostgres({ dir: otherDir, port: 0, persistent: false });
    try {
      const otherServer = serverOf(otherDir);
      if (!otherServer) throw new Error("the other cluster is not running");
      writeFileSync(
        path.join(dataDir, "pg", "postmaster.pid"),
        `${otherServer.pid}\n${otherDir}/pg\n0\n${otherServer.port}\n\n127.0.0.1\n0 0\nready\n`,
      );
      const migrate = await runCli(["migrate"], env);
      expect(migrate.code, migrate.describe).toBe(0);
      expect(migrate.stderr).toMatch(/not this cluster's server/);
      // Its own cluster was used (and migrated), the other one left alone.
      const schemas = await query<{ n: number }>(
        other.url,
        "select count(*)::int as n from pg_namespace where nspname = 'teams'",
      );
      expect(schemas).toEqual([{ n: 0 }]);
      expect(isPostgres(otherServer.pid)).toBe(true);
    } finally {
      await other.stop();
    }
  });
});

describe(
  "signals: every command that opens the warehouse stops cleanly",
  { timeout: 180_000 },
  () => {
    it.each(["migrate", "status"])(
      "%s handles SIGTERM while it works: it finishes, releases the server, and is not killed by the signal",
      async (command) => {
        const { dataDir, env } = await embedded();
        const cli = startCli([command], env);
        // A fresh DATA_DIR: the migrations still run when the server is up.
        await holding(cli, dataDir);
        const server = serverOf(dataDir);
        cli.child.kill("SIGTERM");
        const result = await cli.done;
        expect(result.signal, result.describe).toBeNull();
        expect(result.stderr).not.toMatch(/^\s+at /m);
        expect(server && isPostgres(server.pid)).toBe(false);
      },
    );

    it("a second SIGINT exits at once with 130, and the server still stops", async () => {
      const { dataDir, env } = await embedded();
      const slow = await startSimulator({
        ...SMALL_TENANT,
        users: 4,
        rateScale: 0,
        latencyMs: 3000,
      });
      try {
        const cli = startCli(
          ["sync", "--concurrency", "1"],
          { ...env, GRAPH_BASE_URL: slow.url, GRAPH_ACCESS_TOKEN: slow.token },
          120_000,
        );
        const server = await holding(cli, dataDir);
        await waitFor("the run to start", async () => {
          try {
            const runs = await query<{ n: number }>(
              embeddedUrl(dataDir),
              "select count(*)::int as n from teams.sync_runs where status = 'running'",
            );
            return (runs[0]?.n ?? 0) > 0;
          } catch {
            return false; // not migrated yet
          }
        });
        cli.child.kill("SIGINT");
        await new Promise((resolve) => setTimeout(resolve, 300));
        cli.child.kill("SIGINT");
        const result = await cli.done;
        expect(result.code, result.describe).toBe(130);
        expect(result.stderr).toMatch(/SIGINT again, exiting now/);
        await waitFor("the server to stop after the second signal", () => !isPostgres(server.pid));
      } finally {
        await slow.close();
      }
    });
  },
);

describe("schedule", { timeout: 180_000 }, () => {
  it("starts the server again when it went away between ticks", async () => {
    const { dataDir, env } = await embedded();
    const cli = startCli(["schedule", "--cron", "*/2 * * * * *", "--no-catch-up"], env, 120_000);
    let stderr = "";
    cli.child.stderr?.on("data", (chunk: string) => (stderr += chunk));
    const finished = (): number =>
      stderr
        .split("\n")
        .filter(
          (line) => line.includes('"scheduled sync finished"') && line.includes('"succeeded"'),
        ).length;
    const first = await holding(cli, dataDir);
    await waitFor("a first scheduled sync", () => finished() >= 1);

    process.kill(first.pid, "SIGKILL");
    const before = finished();
    await waitFor("a scheduled sync after the server was killed", () => finished() > before);
    expect(stderr).toMatch(/is gone: starting it again/);
    const second = serverOf(dataDir);
    expect(second && second.pid !== first.pid).toBe(true);

    cli.child.kill("SIGTERM");
    const result = await cli.done;
    expect(result.code, result.describe).toBe(0);
    expect(second && isPostgres(second.pid)).toBe(false);
  });
});
