/**
 * The flags several commands share are read by the same parsers: every command refuses
 * the same bad value with the same words, as a usage error, before doing anything.
 */
import { CommanderError, type Command } from "commander";
import { describe, expect, it } from "vitest";
import { demoCommand } from "../../src/cli/commands/demo.ts";
import { scheduleCommand } from "../../src/cli/commands/schedule.ts";
import { syncCommand } from "../../src/cli/commands/sync.ts";
import { simulateCommand } from "../../src/cli/simulate.ts";

/**
 * The command's usage error for `args`. Its action is replaced, so nothing runs; but
 * simulate's, which checks its flags before starting anything (for its exit code 2), stays,
 * with its stop signal already given.
 */
async function usageError(command: Command, args: string[]): Promise<CommanderError> {
  command.exitOverride().configureOutput({ writeErr: () => undefined });
  if (command.name() !== "simulate") {
    command.action(() => {
      throw new Error(`${command.name()} accepted ${args.join(" ")}`);
    });
  }
  const error = await command.parseAsync(args, { from: "user" }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CommanderError);
  return error as CommanderError;
}

const simulate = () => simulateCommand({ signal: AbortSignal.abort(), print: () => undefined });

const RATE_SCALE_REFUSED = "expected a number >= 0 (0 = no limits)";

describe("shared flags", () => {
  it.each([
    ["sync", () => syncCommand("sync")],
    ["backfill", () => syncCommand("backfill")],
    ["schedule", () => scheduleCommand()],
    ["demo", () => demoCommand()],
    ["simulate", simulate],
  ])("%s refuses a bad --rate-scale as every other command does", async (_, command) => {
    for (const value of ["-1", "abc", "Infinity", ""]) {
      const error = await usageError(command(), ["--rate-scale", value]);
      expect(error.message).toContain("--rate-scale");
      expect(error.message).toContain(`argument '${value}' is invalid. ${RATE_SCALE_REFUSED}`);
    }
  });

  it.each([
    ["sync", () => syncCommand("sync")],
    ["backfill", () => syncCommand("backfill")],
    ["schedule", () => scheduleCommand()],
  ])(
    "%s refuses a --concurrency below 1 and a blank --lookback with the shared words",
    async (_, command) => {
      const error = await usageError(command(), ["--concurrency", "0"]);
      expect(error.message).toContain("--concurrency");
      expect(error.message).toContain("expected a whole number >= 1");
      // A blank is no number (Number("") would read it as 0 minutes).
      const blank = await usageError(command(), ["--lookback", " "]);
      expect(blank.message).toContain("--lookback");
      expect(blank.message).toContain("expected a whole number >= 0");
    },
  );

  it.each([
    ["demo", () => demoCommand()],
    ["simulate", simulate],
  ])("%s refuses a --users below 1 with the shared words", async (_, command) => {
    const error = await usageError(command(), ["--users", "0"]);
    expect(error.message).toContain("--users");
    expect(error.message).toContain("expected a whole number >= 1");
  });
});
