import { Command, CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { simulateCommand } from "../../src/cli/simulate.ts";

/** Runs `simulate` inside a program the way src/cli.ts registers it, with errors thrown not exited. */
async function run(args: string[], stopAfterStart = true) {
  const lines: string[] = [];
  const stop = new AbortController();
  const program = new Command("teams-chat-sync")
    .exitOverride()
    .configureOutput({ writeErr: () => undefined });
  program.addCommand(
    simulateCommand({
      print: (line) => {
        lines.push(line);
        if (stopAfterStart && line.startsWith("tenant:")) stop.abort();
      },
      signal: stop.signal,
    }).exitOverride(),
  );
  await program.parseAsync(["simulate", ...args], { from: "user" });
  return lines;
}

describe("teams-chat-sync simulate", () => {
  it("starts a simulator on the given port and seed, prints its base URL, and stops on the signal", async () => {
    const lines = await run([
      "--port",
      "0",
      "--users",
      "5",
      "--seed",
      "9",
      "--token",
      "t0k",
      "--rate-scale",
      "0",
      "--latency-ms",
      "1",
    ]);
    const url = /^GRAPH_BASE_URL=(http:\/\/127\.0\.0\.1:\d+)$/.exec(lines[0] ?? "")?.[1];
    expect(url).toBeDefined();
    expect(lines.some((l) => l.startsWith("tenant: 5 users"))).toBe(true);
    expect(lines.at(-1)).toBe("Graph simulator stopped");
    expect(lines.join("\n")).not.toContain("t0k");
    await expect(fetch(`${url ?? ""}/_sim/info`)).rejects.toThrow();
  });

  it("serves Graph with the given token while running, and prints the CA file with --tls", async () => {
    const stop = new AbortController();
    const lines: string[] = [];
    let ready: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (ready = resolve));
    const command = simulateCommand({
      print: (line) => {
        lines.push(line);
        if (line.startsWith("tenant:")) ready();
      },
      signal: stop.signal,
    });
    const running = command.parseAsync(["--tls", "--users", "3", "--token", "abc"], {
      from: "user",
    });
    await started;
    expect(lines[0]).toMatch(/^GRAPH_BASE_URL=https:\/\/127\.0\.0\.1:\d+$/);
    expect(lines.some((l) => /^NODE_EXTRA_CA_CERTS=.+\.pem$/.test(l))).toBe(true);
    expect(lines.some((l) => /^token endpoint: https:\/\/.+\/oauth2\/v2\.0\/token$/.test(l))).toBe(
      true,
    );
    stop.abort();
    await running;
  });

  it("varies latency by --latency-jitter-ms", async () => {
    const stop = new AbortController();
    let ready: (url: string) => void = () => undefined;
    const started = new Promise<string>((resolve) => (ready = resolve));
    const running = simulateCommand({
      print: (line) => {
        const url = /^GRAPH_BASE_URL=(.+)$/.exec(line)?.[1];
        if (url) ready(url);
      },
      signal: stop.signal,
    }).parseAsync(["--users", "2", "--latency-ms", "30", "--latency-jitter-ms", "20"], {
      from: "user",
    });
    const url = await started;
    const settings = await fetch(`${url}/_sim/settings`, { method: "PUT", body: "{}" });
    expect(await settings.json()).toMatchObject({ latencyMs: 30, latencyJitterMs: 20 });
    stop.abort();
    await running;
  });

  it.each([
    [["--port", "abc"], "--port"],
    [["--port", "70000"], "--port"],
    [["--users", "0"], "--users"],
    [["--users", "2.5"], "--users"],
    [["--rate-scale", "-1"], "--rate-scale"],
    [["--latency-ms", "x"], "--latency-ms"],
    [["--latency-jitter-ms", "-5"], "--latency-jitter-ms"],
  ])("rejects %j with a usage error (exit code 2)", async (args, flag) => {
    const error = await run(args, false).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommanderError);
    expect((error as CommanderError).exitCode).toBe(2);
    expect((error as CommanderError).message).toContain(flag);
  });
});
