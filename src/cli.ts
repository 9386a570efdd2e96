import { Command } from "commander";

const program = new Command("teams-chat-sync")
  .description("Export Microsoft Teams chats from Microsoft Graph into a Postgres warehouse.")
  .showHelpAfterError();

for (const name of ["migrate", "sync", "backfill", "schedule", "status", "simulate", "demo"]) {
  program
    .command(name)
    .description("not built yet")
    .action(() => {
      console.error(`teams-chat-sync ${name}: not built yet`);
      process.exitCode = 1;
    });
}

await program.parseAsync();
