import { spawn } from "node:child_process";
import { realpathSync } from "node:fs";
import { open, readFile, rm } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { PgBinaries } from "./binaries.ts";
import { isAlive, processArgs, processId } from "./processes.ts";
import { serverEnv } from "./server-env.ts";
import type { ServerUser } from "./server-user.ts";

/** A running server, from its postmaster.pid. */
export interface Postmaster {
  readonly pid: number;
  readonly port: number;
  /** "starting", "ready", "stopping" or "standby" (line 8). */
  readonly status: string;
}

const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 60_000;

/**
 * The server running on `clusterDir`, checked before it is trusted: the process its
 * postmaster.pid names must be alive and be a Postgres server started on this very folder.
 * A file naming a dead process, or one that is something else now (the pid reused after a
 * crash, e.g. by another cluster's server), is stale: it is removed, so a server can start
 * here, and said.
 */
export async function runningPostmaster(
  clusterDir: string,
  log: (message: string) => void,
): Promise<Postmaster | null> {
  const found = await readPidFile(clusterDir);
  if (!found) return null;
  const args = processArgs(found.pid);
  const alive = isAlive(processId(found.pid));
  // Without /proc (macOS) the process cannot be named: it must at least answer on the
  // port; verify-server.ts then compares its data directory with ours.
  const ours = args === null ? await listens(found.port) : isServerOf(args, clusterDir);
  if (alive && ours) return found;
  await rm(path.join(clusterDir, "postmaster.pid"), { force: true });
  log(
    alive
      ? `postmaster.pid in ${clusterDir} names pid ${found.pid}, which is not this cluster's server (${args?.[0] ?? "?"}): removed the stale file`
      : `postmaster.pid in ${clusterDir} names pid ${found.pid}, which is gone (the server was killed): removed the stale file`,
  );
  return null;
}

export interface StartIo {
  readonly binaries: PgBinaries;
  readonly user: ServerUser | null;
  readonly logFile: string;
}

/**
 * Starts the server detached (its own session: a Ctrl-C at the terminal goes to the
 * command, which finishes its work before the server is stopped), with the clean
 * environment, listening on 127.0.0.1:`port` only, and waits until it accepts
 * connections. Its output goes to the log file.
 */
export async function startPostmaster(
  clusterDir: string,
  port: number,
  io: StartIo,
): Promise<Postmaster> {
  const logHandle = await open(io.logFile, "a", 0o600);
  const offset = (await logHandle.stat()).size;
  let exit: string | null = null;
  let pid: number | undefined;
  try {
    const child = spawn(
      io.binaries.postgres,
      [
        "-D",
        clusterDir,
        "-p",
        String(port),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "unix_socket_directories=",
      ],
      {
        ...(io.user ? { uid: io.user.uid, gid: io.user.gid } : {}),
        env: serverEnv(),
        cwd: "/",
        detached: true,
        stdio: ["ignore", logHandle.fd, logHandle.fd],
      },
    );
    child.once("error", (error) => (exit = `cannot run ${io.binaries.postgres}: ${error.message}`));
    child.once("exit", (code, signal) => (exit ??= `exited with ${code ?? signal}`));
    child.unref();
    pid = child.pid;
  } finally {
    await logHandle.close();
  }
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (exit === null && Date.now() < deadline) {
    const found = await readPidFile(clusterDir);
    if (found && found.pid === pid && found.status === "ready") return found;
    await sleep(50);
  }
  throw await startFailure(clusterDir, port, io.logFile, offset, exit ?? "did not become ready");
}

/** Fast shutdown (open transactions roll back), then immediate, then SIGKILL. */
export async function stopPostmaster(server: Postmaster): Promise<void> {
  const id = processId(server.pid);
  for (const [signal, waitMs] of [
    ["SIGINT", STOP_TIMEOUT_MS],
    ["SIGQUIT", 10_000],
    ["SIGKILL", 10_000],
  ] as const) {
    try {
      process.kill(server.pid, signal);
    } catch {
      return;
    }
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      if (!isAlive(id)) return;
      await sleep(50);
    }
  }
}

export async function readPidFile(clusterDir: string): Promise<Postmaster | null> {
  let text: string;
  try {
    text = await readFile(path.join(clusterDir, "postmaster.pid"), "utf8");
  } catch {
    return null;
  }
  const lines = text.split("\n");
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port)) return null;
  return { pid, port, status: (lines[7] ?? "").trim() };
}

function listens(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port, timeout: 5_000 });
    const done = (answer: boolean): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
    socket.once("timeout", () => done(false));
  });
}

function isServerOf(args: readonly string[], clusterDir: string): boolean {
  if (path.basename(args[0] ?? "") !== "postgres") return false;
  const i = args.indexOf("-D");
  const dir = i >= 0 ? args[i + 1] : undefined;
  return dir !== undefined && sameFile(dir, clusterDir);
}

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

async function startFailure(
  clusterDir: string,
  port: number,
  logFile: string,
  offset: number,
  why: string,
): Promise<Error> {
  const text = (await readFile(logFile, "utf8").catch(() => "")).slice(offset);
  if (/could not bind|Address already in use|could not create any TCP\/IP sockets/.test(text)) {
    return new Error(
      `port ${port} on 127.0.0.1 is taken by another program: set EMBEDDED_POSTGRES_PORT to a free port, or DATABASE_URL`,
    );
  }
  const tail = text.trim().split("\n").slice(-3).join(" | ");
  return new Error(
    `the embedded Postgres in ${clusterDir} did not start (${why}): ${tail || "no output"} (log: ${logFile})`,
  );
}
