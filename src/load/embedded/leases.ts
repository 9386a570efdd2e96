import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { currentProcess, isAlive, type ProcessId } from "./processes.ts";

/**
 * Reference counting across processes: each process that uses the server holds a lease,
 * a file named after it in DATA_DIR/leases. The server runs while a lease's process is
 * alive; a lease whose process died (SIGKILL, crash) counts for nothing and is swept.
 * Leases are taken and dropped under the server lock (server-lock.ts).
 */
export interface Lease {
  readonly file: string;
}

interface LeaseFile extends ProcessId {
  readonly command: string;
}

/** Leases of this process not yet dropped: removed synchronously if the process exits first. */
const held = new Set<string>();
let exitHookInstalled = false;

export async function takeLease(leasesDir: string, command: string): Promise<Lease> {
  await mkdir(leasesDir, { recursive: true, mode: 0o700 });
  const me = currentProcess();
  const file = path.join(leasesDir, `${me.pid}-${randomBytes(4).toString("hex")}.json`);
  const content: LeaseFile = { ...me, command };
  await writeFile(file, JSON.stringify(content), { mode: 0o600 });
  held.add(file);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A process that exits without releasing (process.exit on a second Ctrl-C, an uncaught
    // error) still says so at once; the watchdog then stops the server within a second.
    process.on("exit", () => {
      for (const lease of held) rmSync(lease, { force: true });
    });
  }
  return { file };
}

export async function dropLease(lease: Lease): Promise<void> {
  held.delete(lease.file);
  await rm(lease.file, { force: true });
}

/**
 * The leases whose process is alive. With `sweep` (under the server lock only, when no
 * lease is half written) the files of dead ones are removed on the way.
 */
export async function liveLeases(
  leasesDir: string,
  options: { sweep: boolean } = { sweep: true },
): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(leasesDir);
  } catch {
    return [];
  }
  const live: string[] = [];
  for (const name of names) {
    const file = path.join(leasesDir, name);
    const holder = await readLease(file);
    if (holder && isAlive(holder)) live.push(file);
    else if (options.sweep) await rm(file, { force: true });
  }
  return live;
}

async function readLease(file: string): Promise<LeaseFile | null> {
  try {
    const value = JSON.parse(await readFile(file, "utf8")) as Partial<LeaseFile>;
    if (typeof value.pid !== "number") return null;
    return {
      pid: value.pid,
      start: typeof value.start === "string" ? value.start : null,
      command: String(value.command ?? ""),
    };
  } catch {
    return null;
  }
}
