/**
 * `teams-chat-sync simulate`: runs the Graph simulator as a standalone server until
 * SIGINT/SIGTERM. Prints the base URL (and with --tls the token endpoint and the CA file
 * to trust) on stdout. Flag errors exit with 2, the project's usage-error code.
 */
import { Command, InvalidArgumentError } from "commander";
import { startSimulator, type SimulatorOptions } from "../sim/index.ts";
import { EXIT } from "./exit-codes.ts";
import { parseRateScale, positiveInt } from "./flags.ts";

export interface SimulateDeps {
  /** Where lines go (default: stdout). */
  readonly print?: (line: string) => void;
  /** Stops the server when aborted (default: SIGINT or SIGTERM). */
  readonly signal?: AbortSignal;
}

interface RawFlags {
  host: string;
  port: string;
  users: string;
  seed: string;
  chatsPerUser?: string;
  token?: string;
  rateScale: string;
  latencyMs: string;
  latencyJitterMs: string;
  tls?: boolean;
  clientId?: string;
  clientSecret?: string;
}

export function simulateCommand(deps: SimulateDeps = {}): Command {
  const command = new Command("simulate")
    .description(
      "Run the Graph simulator (Teams chats API + token endpoint) as a standalone server",
    )
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .option("--port <port>", "port to listen on (0: any free port)", "0")
    .option("--users <n>", "number of users in the generated tenant", "20")
    .option("--seed <seed>", "seed of the tenant generator (same seed, same tenant)", "42")
    .option("--chats-per-user <n>", "average number of chats per user (default 15)")
    .option("--token <token>", "static bearer token to accept (default: sim-access-token)")
    .option(
      "--rate-scale <r>",
      "throttling: 1 = Graph's limits, 10 = ten times higher, 0 = unlimited",
      "1",
    )
    .option("--latency-ms <ms>", "latency added to every response", "0")
    .option(
      "--latency-jitter-ms <ms>",
      "vary each response's latency uniformly within ± this (seeded)",
      "0",
    )
    .option("--tls", "serve https with a self-signed certificate (needed by @azure/identity)")
    .option("--client-id <id>", "client id the token endpoint accepts")
    .option(
      "--client-secret <secret>",
      "client secret the token endpoint accepts (default: sim-client-secret)",
    )
    .action(async (flags: RawFlags, cmd: Command) => {
      const options = toOptions(flags, (message) =>
        cmd.error(message, { exitCode: EXIT.usage, code: "commander.invalidArgument" }),
      );
      await run(options, deps);
    });
  return command;
}

function toOptions(flags: RawFlags, fail: (message: string) => never): SimulatorOptions {
  const number = (
    name: string,
    raw: string,
    check: (n: number) => boolean,
    what: string,
  ): number => {
    const value = raw.trim() === "" ? Number.NaN : Number(raw);
    if (!Number.isFinite(value) || !check(value))
      fail(`error: option '--${name}' must be ${what}, got '${raw}'`);
    return value;
  };
  // A flag every command shares, through its shared parser.
  const shared = (flag: string, raw: string, parse: (value: string) => number): number => {
    try {
      return parse(raw);
    } catch (error) {
      if (!(error instanceof InvalidArgumentError)) throw error;
      return fail(`error: option '--${flag}' argument '${raw}' is invalid. ${error.message}`);
    }
  };
  const integer = (n: number): boolean => Number.isInteger(n);
  const seedNumber = Number(flags.seed);
  return {
    host: flags.host,
    port: number(
      "port",
      flags.port,
      (n) => integer(n) && n >= 0 && n <= 65535,
      "an integer from 0 to 65535",
    ),
    users: shared("users", flags.users, positiveInt),
    seed: flags.seed.trim() !== "" && Number.isFinite(seedNumber) ? seedNumber : flags.seed,
    chatsPerUser:
      flags.chatsPerUser === undefined
        ? undefined
        : number("chats-per-user", flags.chatsPerUser, (n) => n > 0, "a positive number"),
    token: flags.token,
    rateScale: shared("rate-scale", flags.rateScale, parseRateScale),
    latencyMs: number("latency-ms", flags.latencyMs, (n) => n >= 0, "a number >= 0"),
    latencyJitterMs: number(
      "latency-jitter-ms",
      flags.latencyJitterMs,
      (n) => n >= 0,
      "a number >= 0",
    ),
    tls: flags.tls === true,
    clientId: flags.clientId,
    clientSecret: flags.clientSecret,
  };
}

async function run(options: SimulatorOptions, deps: SimulateDeps): Promise<void> {
  const print = deps.print ?? ((line: string) => console.log(line));
  const sim = await startSimulator(options);
  const state = sim.state();
  print(`GRAPH_BASE_URL=${sim.url}`);
  print(`AZURE_TENANT_ID=${sim.tenantId}`);
  print(`AZURE_CLIENT_ID=${sim.clientId}`);
  print(`token endpoint: ${sim.tokenEndpoint}`);
  if (sim.tls) print(`NODE_EXTRA_CA_CERTS=${sim.tls.caFile}`);
  // Secrets are not printed: the static token and client secret are the ones given (or documented defaults).
  print(
    `tenant: ${state.users.length} users, ${state.chats.length} chats; control routes under ${sim.url}/_sim/`,
  );
  await waitForStop(deps.signal);
  await sim.close();
  print("Graph simulator stopped");
}

function waitForStop(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal) {
      if (signal.aborted) resolve();
      else signal.addEventListener("abort", () => resolve(), { once: true });
      return;
    }
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
