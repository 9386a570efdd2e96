/**
 * The watchdog of one DATA_DIR's embedded server (see watchdog.ts):
 * `node watchdog-main <DATA_DIR> <cluster> [folders to remove once stopped...]`.
 * Twice a second: is any lease's process alive? When none is, it takes the server lock,
 * checks again (a command may just have taken one), stops the server and ends. It also
 * ends when another watchdog took over.
 */
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { dataDirLayout, REMOVE_TREE } from "./layout.ts";
import { liveLeases } from "./leases.ts";
import { readPidFile, runningPostmaster, stopPostmaster, type Postmaster } from "./postmaster.ts";
import { isAlive, processId, type ProcessId } from "./processes.ts";
import { withServerLock } from "./server-lock.ts";
import { clearWatchdog, readWatchdog } from "./watchdog.ts";

const POLL_MS = 500;
const [dataDir = "", clusterDir = "", ...removeWhenStopped] = process.argv.slice(2);
const layout = dataDirLayout(dataDir);
const say = (message: string): void =>
  console.error(`${new Date().toISOString()} teams-chat-sync watchdog ${process.pid}: ${message}`);

/** Another live watchdog is named in watchdog.json: this one is no longer needed. */
async function replaced(): Promise<boolean> {
  const state = await readWatchdog(layout);
  return state !== null && state.pid !== process.pid && isAlive(state);
}

async function watch(): Promise<void> {
  let seen = null as { server: Postmaster; id: ProcessId } | null;
  for (;;) {
    await sleep(POLL_MS);
    if (!existsSync(layout.dataDir)) {
      // DATA_DIR deleted under a running server (rm -rf of a throwaway folder): no lock,
      // no leases left to ask; stop the server last seen, if it is still that process.
      if (seen && isAlive(seen.id)) {
        say(`${layout.dataDir} was removed: stopping its server (pid ${seen.server.pid})`);
        await stopPostmaster(seen.server);
      }
      return;
    }
    if (await replaced()) return;
    const server = await readPidFile(clusterDir);
    if (server && server.pid !== seen?.server.pid) seen = { server, id: processId(server.pid) };
    if ((await liveLeases(layout.leasesDir, { sweep: false })).length > 0) continue;
    const stopped = await withServerLock(layout.lockFile, async () => {
      if (await replaced()) return true;
      if ((await liveLeases(layout.leasesDir)).length > 0) return false;
      const server = await runningPostmaster(clusterDir, say);
      if (server) {
        say(`no process uses the server (pid ${server.pid}) any more: stopping it`);
        await stopPostmaster(server);
      }
      const state = await readWatchdog(layout);
      if (state?.pid === process.pid) await clearWatchdog(layout);
      return true;
    });
    if (!stopped) continue;
    for (const dir of removeWhenStopped) await rm(dir, REMOVE_TREE);
    return;
  }
}

watch().catch((error: unknown) => {
  say(`stopped watching: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
