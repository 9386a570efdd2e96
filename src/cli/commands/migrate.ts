import { Command } from "commander";
import { createApp, migrateOrThrow, withWarehouse } from "../app.ts";

export function migrateCommand(): Command {
  return new Command("migrate")
    .description("apply all pending warehouse migrations (schema teams)")
    .action(async () => {
      const app = createApp();
      await withWarehouse(app, { migrate: false }, async ({ db, target }) => {
        const applied = await migrateOrThrow(db, app.logger);
        console.log(
          applied === 0
            ? `warehouse is up to date (${target.description})`
            : `applied ${applied} migration(s) to ${target.description}`,
        );
      });
    });
}
