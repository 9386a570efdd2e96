import { spawn } from "node:child_process";
import { serverEnv } from "./server-env.ts";
import type { ServerUser } from "./server-user.ts";

export interface RunAsOptions {
  /** Null: the current user. */
  readonly user: ServerUser | null;
  /** Written to stdin, then closed (never a file: nothing is left on disk). */
  readonly input?: string;
  readonly timeoutMs?: number;
}

/**
 * Runs a Postgres tool to its end as the server's user, with the server's clean
 * environment, and returns its exit code and output (stdout and stderr together). A
 * failure to start (EACCES...) rejects with the path; it never escapes as an event.
 */
export function runAs(
  file: string,
  args: readonly string[],
  options: RunAsOptions,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
      env: serverEnv(),
      cwd: "/",
      stdio: ["pipe", "pipe", "pipe"],
      timeout: options.timeoutMs ?? 300_000,
      killSignal: "SIGKILL",
    });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.stdin.on("error", () => undefined);
    child.once("error", (error) =>
      reject(new Error(`cannot run ${file}: ${error.message}`, { cause: error })),
    );
    child.once("close", (code) => resolve({ code, output }));
    child.stdin.end(options.input ?? "");
  });
}
