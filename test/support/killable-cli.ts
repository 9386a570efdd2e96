/** Killing the real binary (started with cli.ts's startCli) at a moment a test chooses. */
import type { CliResult, RunningCli } from "./cli.ts";

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
