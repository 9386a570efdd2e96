import { readFileSync } from "node:fs";

/** A process, told apart from a later one that got the same pid by its start time. */
export interface ProcessId {
  readonly pid: number;
  /** Start time from /proc (clock ticks since boot); null where there is no /proc. */
  readonly start: string | null;
}

export function currentProcess(): ProcessId {
  return { pid: process.pid, start: procStat(process.pid)?.start ?? null };
}

export function processId(pid: number): ProcessId {
  return { pid, start: procStat(pid)?.start ?? null };
}

/**
 * Whether the process still runs: signal 0 reaches it, it is not a zombie waiting for a
 * parent that never reaps (PID 1 in many containers), and, when its start time is known,
 * it is the same process and not a newer one that reused the pid.
 */
export function isAlive(id: ProcessId): boolean {
  try {
    process.kill(id.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const stat = procStat(id.pid);
  if (stat === null) return !hasProc();
  if (stat.state === "Z" || stat.state === "X") return false;
  return id.start === null || stat.start === id.start;
}

/** The arguments `pid` was started with; null where /proc cannot tell (not Linux). */
export function processArgs(pid: number): string[] | null {
  if (!hasProc()) return null;
  try {
    const text = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return text.split("\0").filter((arg, i, all) => arg !== "" || i < all.length - 1);
  } catch {
    return [];
  }
}

function procStat(pid: number): { state: string; start: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 2 (the command name) is in parentheses and may hold spaces: count from its end.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0] ?? "", start: fields[19] ?? "" };
  } catch {
    return null;
  }
}

let procAvailable: boolean | undefined;
function hasProc(): boolean {
  if (procAvailable === undefined) {
    try {
      readFileSync("/proc/self/stat");
      procAvailable = true;
    } catch {
      procAvailable = false;
    }
  }
  return procAvailable;
}
