/**
 * Looking at an embedded server from outside, as an operator would: its postmaster.pid,
 * its passfile, its processes. For the tests of the embedded server's rules
 * (test/load/embedded-*.test.ts, test/cli/embedded-lifecycle.test.ts).
 */
import { chmodSync, mkdtempSync, readFileSync } from "node:fs";
import { readlink, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";

/** A port nothing listens on now: each test's server gets its own, never the default 54329. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

/** The server running on DATA_DIR's cluster (through DATA_DIR/pg, symlink or not), or null. */
export function serverOf(dataDir: string): { pid: number; port: number; ready: boolean } | null {
  let text: string;
  try {
    text = readFileSync(path.join(dataDir, "pg", "postmaster.pid"), "utf8");
  } catch {
    return null;
  }
  const lines = text.split("\n");
  const pid = Number(lines[0]);
  if (!isPostgres(pid)) return null;
  return { pid, port: Number(lines[3]), ready: lines[7]?.trim() === "ready" };
}

/** Whether `pid` is a live Postgres server process (not a zombie, not a reused pid). */
export function isPostgres(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    if (/^[ZX]$/.test(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0] ?? "")) return false;
    return (
      readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0]?.endsWith("/postgres") ?? false
    );
  } catch {
    return false;
  }
}

/** The superuser URL of DATA_DIR's server, from its passfile (as a tool with PGPASSFILE would). */
export function embeddedUrl(dataDir: string): string {
  const line = readFileSync(path.join(dataDir, "pgpass"), "utf8")
    .split("\n")
    .find((l) => l.startsWith("127.0.0.1:"));
  const [, port, , user, password] = (line ?? "").split(":");
  return `postgres://${user}:${password}@127.0.0.1:${port}/postgres`;
}

/** The watchdog's pid, from DATA_DIR/watchdog.json. */
export function watchdogPid(dataDir: string): number | null {
  try {
    const state = JSON.parse(readFileSync(path.join(dataDir, "watchdog.json"), "utf8")) as {
      pid: number;
    };
    return state.pid;
  } catch {
    return null;
  }
}

/**
 * A DATA_DIR in a fresh temporary folder that others may enter (mode 0755), so the cluster
 * stays inside it; see embedded-private-folder.test.ts for the 0700 case.
 */
export function openTempDataDir(prefix: string): string {
  const parent = mkdtempSync(path.join(os.tmpdir(), prefix));
  chmodSync(parent, 0o755);
  return path.join(parent, ".data");
}

/** Removes a DATA_DIR's folder and, when its cluster was relocated, the cluster too. */
export async function removeDataDir(dataDir: string): Promise<void> {
  const target = await readlink(path.join(dataDir, "pg")).catch(() => null);
  if (target) await rm(target, { recursive: true, force: true });
  await rm(path.dirname(dataDir), { recursive: true, force: true });
}

/** Polls `probe` until it returns a value (not null/false), or fails saying what never happened. */
export async function waitFor<T>(
  what: string,
  probe: () => T | null | false | Promise<T | null | false>,
  timeoutMs = 45_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
