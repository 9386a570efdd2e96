/**
 * Where the CPU went, read from Linux's procfs: a process's own seconds, a Postgres server's
 * (the postmaster, its reaped children and its live ones), the whole machine's. The
 * benchmarks print these beside their figures; where there is no procfs they are null.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

interface ProcStat {
  readonly ppid: number;
  readonly utime: number;
  readonly stime: number;
  readonly cutime: number;
  readonly cstime: number;
}

function procStat(pid: number): ProcStat {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  // After the command name (in parentheses, which may hold spaces): state, ppid, ... and
  // utime, stime, cutime, cstime as fields 14-17 of the whole line.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const field = (n: number) => Number(fields[n - 3]);
  return {
    ppid: field(4),
    utime: field(14),
    stime: field(15),
    cutime: field(16),
    cstime: field(17),
  };
}

function procStatOrNull(pid: number): ProcStat | null {
  try {
    return procStat(pid);
  } catch {
    return null; // exited meanwhile, or no procfs
  }
}

let ticksPerSecond: number | null = null;
function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
  return ticksPerSecond;
}

/** CPU seconds a live process has used so far (its own, not its children's); 0 once gone. */
export function cpuSecondsOf(pid: number): number {
  const stat = procStatOrNull(pid);
  return stat ? (stat.utime + stat.stime) / clockTicks() : 0;
}

/** The parent of a process (the postmaster of a backend); 0 if it is gone. */
export function parentOf(pid: number): number {
  return procStatOrNull(pid)?.ppid ?? 0;
}

/**
 * CPU seconds a Postgres server has used so far: the postmaster's own and its reaped
 * children's (a sync's connections, once closed), and its live children's (backends,
 * checkpointer, walwriter...). Differences of two readings count what happened between
 * them (a backend that ends in between moves from live to reaped). Null without procfs.
 */
export function postmasterCpuSeconds(postmaster: number): number | null {
  const main = procStatOrNull(postmaster);
  if (!main) return null;
  let ticks = main.utime + main.stime + main.cutime + main.cstime;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStatOrNull(Number(entry));
    if (stat?.ppid === postmaster) ticks += stat.utime + stat.stime;
  }
  return ticks / clockTicks();
}

/** Busy and total CPU seconds of the whole machine (all cores) since boot. */
export function machineCpu(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { busy: (total - idle) / clockTicks(), total: total / clockTicks() };
}
