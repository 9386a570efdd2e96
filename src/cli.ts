import { Command, CommanderError, InvalidArgumentError } from "commander";
import { demoCommand } from "./cli/commands/demo.ts";
import { enqueueCommand } from "./cli/commands/enqueue.ts";
import { migrateCommand } from "./cli/commands/migrate.ts";
import { readerRolesCommand } from "./cli/commands/reader-roles.ts";
import { scheduleCommand } from "./cli/commands/schedule.ts";
import { simulateCommand } from "./cli/simulate.ts";
import { statusCommand } from "./cli/commands/status.ts";
import { syncCommand } from "./cli/commands/sync.ts";
import { workerCommand } from "./cli/commands/worker.ts";
import { EXIT } from "./cli/exit-codes.ts";
import { ConfigError } from "./errors.ts";
import { applyMemoryPolicy } from "./memory-policy.ts";

applyMemoryPolicy();

const program = new Command("teams-chat-sync")
  .description("Export Microsoft Teams chats from Microsoft Graph into a Postgres warehouse.")
  .showHelpAfterError()
  .exitOverride()
  .addCommand(migrateCommand())
  .addCommand(syncCommand("sync"))
  .addCommand(syncCommand("backfill"));

program.addCommand(scheduleCommand());
program.addCommand(workerCommand()).addCommand(enqueueCommand());
program.addCommand(statusCommand()).addCommand(readerRolesCommand());
program.addCommand(simulateCommand()).addCommand(demoCommand());
for (const command of program.commands) command.exitOverride();

try {
  await program.parseAsync();
} catch (error) {
  process.exitCode = exitCodeFor(error);
}

/** One line on stderr that says what failed and what to do; the exit code of docs/design.md. */
function exitCodeFor(error: unknown): number {
  if (error instanceof InvalidArgumentError) {
    // Raised by an action (commander prints the ones it raises itself).
    console.error(`error: ${error.message}`);
    return EXIT.usage;
  }
  if (error instanceof CommanderError) {
    // Help and version are exits with code 0; everything else commander raises is usage.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ConfigError) {
    console.error(`teams-chat-sync: configuration: ${message}`);
    return EXIT.fatal;
  }
  const inner = error instanceof Error && error.cause instanceof Error ? error.cause.message : "";
  const cause = inner && !message.includes(inner) ? `: ${inner}` : "";
  console.error(`teams-chat-sync: ${message}${cause}`);
  return EXIT.fatal;
}
