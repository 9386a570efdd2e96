/**
 * A simulator in a process of its own, so that several tenants' simulators do not share
 * one event loop (the bench process's) and their CPU shows apart from the pipeline's.
 * Prints `{"url","token"}` once listening; on SIGTERM prints its counts and CPU time as
 * its last stdout line and exits.
 *
 *   node --import tsx bench/sim-child.ts '<SimulatorOptions as JSON>'
 */
import { startSimulator, type SimulatorOptions } from "../src/sim/index.ts";

export interface SimChildReady {
  readonly url: string;
  readonly token: string;
}

export interface SimChildResult {
  readonly requests: number;
  readonly throttled: number;
  readonly cpuSeconds: number;
}

const options = JSON.parse(process.argv[2] ?? "{}") as SimulatorOptions;
const sim = await startSimulator({ requestLogLimit: 0, ...options });
const ready: SimChildReady = { url: sim.url, token: sim.token };
process.stdout.write(`${JSON.stringify(ready)}\n`);

process.once("SIGTERM", () => {
  const stats = sim.stats();
  const cpu = process.cpuUsage();
  const result: SimChildResult = {
    requests: stats.requests,
    throttled: stats.throttled,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  void sim.close().finally(() => process.exit(0));
});
