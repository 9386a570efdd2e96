/**
 * The real binary as a child process that a test can SIGKILL at a moment of its choosing
 * (test/support/cli.ts waits for the end). Same from-scratch environment as cli.ts.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { BIN, type CliResult } from "./cli.ts";

const CWD = mkdtempSync(path.join(os.tmpdir(), "tcs-kill-"));

export interface RunningCli {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Settles when the process has exited (killed or not). */
  readonly done: Promise<CliResult>;
  /** Whether it has exited already. */
  exited(): boolean;
}

export function startCli(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  timeoutMs = 45_000,
): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: CWD,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? os.homedir(),
      DATA_DIR: path.join(CWD, ".data"),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    timeout: timeoutMs,
    killSignal: "SIGKILL",
  });
  let stdout = "";
  let stderr = "";
  let finished = false;
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => {
      finished = true;
      const describe = `teams-chat-sync ${args.join(" ")} -> ${code ?? signal}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`;
      resolve({ code, signal, stdout, stderr, describe });
    });
  });
  if (child.pid === undefined) throw new Error("could not spawn the CLI");
  return { child, pid: child.pid, done, exited: () => finished };
}

/**
 * Polls `ready` every few ms and SIGKILLs the process as soon as it says so. Returns the
 * result; `killed` is false when the process ended on its own first.
 */
export async function killWhen(
  cli: RunningCli,
  ready: () => boolean | Promise<boolean>,
): Promise<CliResult & { killed: boolean }> {
  while (!cli.exited()) {
    if (await ready()) {
      const killed = cli.child.kill("SIGKILL");
      const result = await cli.done;
      return { ...result, killed: killed && result.signal === "SIGKILL" };
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { ...(await cli.done), killed: false };
}

/** A small seeded PRNG (mulberry32): the same seed, the same kill points. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
