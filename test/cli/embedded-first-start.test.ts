/**
 * The embedded server's first start through the real binary: from a checkout in a folder
 * others cannot enter (root's 0700 home), and interrupted in the middle of initdb, when
 * earlier versions left the superuser's password in a world-readable temporary file.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli, startCli } from "../support/cli.ts";
import {
  embeddedUrl,
  freePort,
  openTempDataDir,
  removeDataDir,
  serverOf,
} from "../support/embedded-server.ts";
import { killWhen } from "../support/killable-cli.ts";

const dataDirs: string[] = [];
const temps: string[] = [];
afterAll(async () => {
  for (const dir of dataDirs) await removeDataDir(dir);
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

describe("first start of the embedded server", { timeout: 180_000 }, () => {
  it("works from a checkout in a folder only its owner may enter, with no stack trace and no password shown", async () => {
    const home = tempDir("tcs-home-"); // mkdtemp: mode 0700, as root's home
    expect(statSync(home).mode & 0o777).toBe(0o700);
    mkdirSync(path.join(home, "checkout"));
    const dataDir = path.join(home, "checkout", ".data");
    dataDirs.push(dataDir);
    const env = { DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: String(await freePort()) };

    const result = await runCli(["migrate"], env, 120_000);
    expect(result.code, result.describe).toBe(0);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stdout).toMatch(/psql: PGPASSFILE=\S+ psql -h 127\.0\.0\.1 -p \d+ -U postgres/);
    const password = new URL(embeddedUrl(dataDir)).password;
    expect(result.stdout + result.stderr).not.toContain(password);
    // The last (only) user stopped it.
    expect(serverOf(dataDir)).toBeNull();
  });

  it("interrupted by SIGKILL during initdb, it leaves no password file anywhere, and the next command starts cleanly", async () => {
    const dataDir = openTempDataDir("tcs-interrupted-");
    dataDirs.push(dataDir);
    const tmp = tempDir("tcs-tmpdir-");
    const env = {
      DATA_DIR: dataDir,
      EMBEDDED_POSTGRES_PORT: String(await freePort()),
      TMPDIR: tmp,
    };
    const cli = startCli(["migrate"], env, 120_000);
    const killed = await killWhen(cli, () => initdbRunsFor(dataDir));
    expect(killed.killed, killed.describe).toBe(true);
    expect(leftIn(tmp)).toEqual([]);

    const next = await runCli(["migrate"], env, 120_000);
    expect(next.code, next.describe).toBe(0);
    expect(leftIn(tmp)).toEqual([]);
    // The password is in the passfile and nowhere else: not in any file of DATA_DIR (the
    // cluster holds only its SCRAM verifier), not in the output.
    const password = new URL(embeddedUrl(dataDir)).password;
    expect(filesHolding(path.dirname(dataDir), password)).toEqual([path.join(dataDir, "pgpass")]);
    expect(next.stdout + next.stderr).not.toContain(password);
  });
});

/** What is in a TMPDIR, but for the cache tsx keeps there when the CLI runs from sources. */
function leftIn(tmp: string): string[] {
  return readdirSync(tmp).filter((name) => !name.startsWith("tsx-"));
}

/** Whether an initdb process is at work on a cluster under `dataDir`. */
function initdbRunsFor(dataDir: string): boolean {
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      if (args[0]?.endsWith("/initdb") && args.some((a) => a.includes(dataDir))) return true;
    } catch {
      // gone meanwhile
    }
  }
  return false;
}

function filesHolding(dir: string, needle: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if (readFileSync(file).includes(needle)) found.push(file);
  }
  return found;
}
