/**
 * The processes of the workers benchmark: the binary (`worker`, `enqueue`) run as users run
 * it, and simulators in processes of their own (where their CPU went: procfs.ts).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freshBuild, ROOT } from "../bin/fresh-build.js";
import type { SimulatorOptions } from "../src/sim/index.ts";
import { BENCH_DIR } from "./support.ts";
import type { SimChildReady, SimChildResult } from "./sim-child.ts";

export const BIN = path.join(ROOT, "bin", "teams-chat-sync.js");

/** A working directory of its own, so no command touches the checkout's `.data`. */
const CWD = mkdtempSync(path.join(os.tmpdir(), "tcs-bench-cli-"));

export interface Running {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Settles with the exit code (null when killed) once the process has exited. */
  readonly exited: Promise<number | null>;
  /** Where everything it writes goes, if anywhere. */
  readonly logFile: string | undefined;
  /** The last lines it wrote (stdout and stderr), for error messages. */
  tail(): string;
}

/**
 * Starts the binary with an environment built from scratch (no GRAPH_* or AZURE_* of the
 * caller's shell: the tenants come from the tenants file). BENCH_CHILD_NODE_FLAGS
 * ("--cpu-prof --cpu-prof-dir=/tmp/prof") profiles it; BENCH_LOG_LEVEL=info logs more.
 */
export function startBinary(
  args: readonly string[],
  env: Record<string, string>,
  logFile?: string,
): Running {
  const nodeFlags = (process.env.BENCH_CHILD_NODE_FLAGS ?? "").split(" ").filter(Boolean);
  return track(
    logFile,
    spawn(process.execPath, [...nodeFlags, BIN, ...args], {
      cwd: CWD,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? os.homedir(),
        DATA_DIR: path.join(CWD, ".data"),
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "warn",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
}

/** Runs the binary to its end; rejects with its last lines unless it exits 0 in time. */
export async function runBinary(
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<void> {
  const running = startBinary(args, env);
  const timer = setTimeout(() => running.child.kill("SIGKILL"), timeoutMs);
  const code = await running.exited.finally(() => clearTimeout(timer));
  if (code !== 0) {
    throw new Error(`teams-chat-sync ${args[0]} exited with ${code}:\n${running.tail()}`);
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
export async function stop(running: Running, graceMs = 15_000): Promise<void> {
  if (running.child.exitCode !== null || running.child.signalCode !== null) return;
  running.child.kill("SIGTERM");
  const timer = setTimeout(() => running.child.kill("SIGKILL"), graceMs);
  await running.exited.finally(() => clearTimeout(timer));
}

function track(logFile: string | undefined, child: ChildProcess): Running {
  if (child.pid === undefined) throw new Error("could not spawn a bench process");
  const lines: string[] = [];
  const log = logFile ? createWriteStream(logFile, { flags: "a" }) : null;
  const keep = (chunk: string): void => {
    log?.write(chunk);
    lines.push(...chunk.split("\n").filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout?.setEncoding("utf8").on("data", keep);
  child.stderr?.setEncoding("utf8").on("data", keep);
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      log?.end();
      resolve(code);
    });
  });
  return {
    child,
    pid: child.pid,
    exited,
    logFile,
    tail: () => lines.slice(-40).join("\n"),
  };
}

export interface SimChild {
  readonly url: string;
  readonly token: string;
  readonly pid: number;
  /** Stops it; its request counts and CPU seconds. */
  close(): Promise<SimChildResult>;
}

/** A simulator in its own process (bench/sim-child.ts), compiled when the build is fresh. */
export async function startSimChild(options: SimulatorOptions): Promise<SimChild> {
  const entry = freshBuild()
    ? [path.join(ROOT, "dist", "bench", "sim-child.js")]
    : ["--import", "tsx", path.join(BENCH_DIR, "sim-child.ts")];
  const child = spawn(process.execPath, [...entry, JSON.stringify(options)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (child.pid === undefined) throw new Error("could not spawn a simulator");
  const pid = child.pid;
  const lines: string[] = [];
  let buffered = "";
  let waiting: (() => void) | null = null;
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    lines.push(...parts.filter(Boolean));
    waiting?.();
  });
  const exited = new Promise<number | null>((resolve) => child.once("close", resolve));
  const nextLine = async (timeoutMs: number): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    while (lines.length === 0) {
      if (child.exitCode !== null) throw new Error(`the simulator exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error("the simulator did not answer in time");
      await new Promise<void>((resolve) => {
        waiting = resolve;
        setTimeout(resolve, 200);
      });
    }
    return lines.shift() ?? "";
  };
  const ready = JSON.parse(await nextLine(300_000)) as SimChildReady;
  return {
    url: ready.url,
    token: ready.token,
    pid,
    async close() {
      child.kill("SIGTERM");
      const result = JSON.parse(await nextLine(30_000)) as SimChildResult;
      await exited;
      return result;
    },
  };
}

/** The 1-minute load average and the core count, as the figures' context. */
export function loadNow(): { load1: number; cores: number } {
  return { load1: os.loadavg()[0] ?? 0, cores: os.cpus().length };
}
