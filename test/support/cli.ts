/**
 * Runs the real binary (`node bin/teams-chat-sync.js`) as a child process with an
 * environment built from scratch, so the developer's own GRAPH_* / AZURE_* / DATABASE_URL
 * never leak into a test. `startCli` returns the running process (for tests that kill it
 * at a moment of their choosing, see killable-cli.ts); `runCli` waits for its end.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../../bin/teams-chat-sync.js", import.meta.url));

export interface CliResult {
  /** Null when the process was killed (see `signal`). */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** For assertion messages. */
  readonly describe: string;
}

/** A working directory of its own, so no command can touch the checkout's `.data`. */
const CWD = mkdtempSync(path.join(os.tmpdir(), "tcs-cli-"));

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

/** Runs the binary to its end (or until `timeoutMs`, then SIGKILL). */
export function runCli(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  timeoutMs = 45_000,
): Promise<CliResult> {
  return startCli(args, env, timeoutMs).done;
}
