import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { open, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { DataDirLayout } from "./layout.ts";
import { isAlive, processId, type ProcessId } from "./processes.ts";
import { serverEnv } from "./server-env.ts";

/** The watchdog of a DATA_DIR, in DATA_DIR/watchdog.json. */
export interface WatchdogState extends ProcessId {
  readonly clusterDir: string;
}

export async function readWatchdog(layout: DataDirLayout): Promise<WatchdogState | null> {
  try {
    const value = JSON.parse(await readFile(layout.watchdogFile, "utf8")) as WatchdogState;
    return typeof value.pid === "number" ? value : null;
  } catch {
    return null;
  }
}

/**
 * Makes sure a watchdog runs for the server on `clusterDir` (called under the server
 * lock, after the server started or was adopted). The watchdog is a small detached
 * process that stops the server within a second once no process holding a lease is
 * alive, so that SIGKILL of every user (or of the terminal they ran in) does not leave
 * the server running for good; `removeWhenStopped` (a throwaway DATA_DIR) goes with it.
 * Returns whether a new one had to be started.
 */
export async function ensureWatchdog(
  layout: DataDirLayout,
  clusterDir: string,
  removeWhenStopped: readonly string[],
): Promise<boolean> {
  const current = await readWatchdog(layout);
  if (current && current.clusterDir === clusterDir && isAlive(current)) return false;
  const log = await open(layout.logFile, "a", 0o600);
  try {
    const args = [...watchdogEntry(), layout.dataDir, clusterDir, ...removeWhenStopped];
    const child = spawn(process.execPath, args, {
      env: serverEnv(),
      cwd: "/",
      detached: true,
      stdio: ["ignore", log.fd, log.fd],
    });
    child.once("error", () => undefined);
    child.unref();
    if (child.pid === undefined)
      throw new Error(`could not start the watchdog (${process.execPath})`);
    const state: WatchdogState = { ...processId(child.pid), clusterDir };
    await writeFile(layout.watchdogFile, JSON.stringify(state), { mode: 0o600 });
  } finally {
    await log.close();
  }
  return true;
}

export async function clearWatchdog(layout: DataDirLayout): Promise<void> {
  await rm(layout.watchdogFile, { force: true });
}

/** node arguments that run watchdog-main beside this file (through tsx from the sources). */
function watchdogEntry(): string[] {
  const self = fileURLToPath(import.meta.url);
  const extension = path.extname(self);
  const main = path.join(path.dirname(self), `watchdog-main${extension}`);
  if (extension !== ".ts") return [main];
  const tsx = createRequire(import.meta.url).resolve("tsx");
  return ["--import", pathToFileURL(tsx).href, main];
}
