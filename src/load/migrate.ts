import { fileURLToPath } from "node:url";
import { Migrator, type Kysely, type MigrationResult } from "kysely";
import { FolderMigrationProvider } from "./migration-provider.ts";

/** migrations/ of this package, wherever the process was started from. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL("../../migrations/", import.meta.url));

/** The Migrator keeps its bookkeeping tables in the warehouse schema, not in public. */
export const MIGRATION_SCHEMA = "teams";

export interface MigrateOptions {
  readonly folder?: string;
}

export interface MigrateOutcome {
  /** One entry per migration attempted: Success, Error (the failing one) or NotExecuted. */
  readonly results: readonly MigrationResult[];
  /** Why migrating stopped; undefined on success. The caller must check it. */
  readonly error: unknown;
}

function migrator(db: Kysely<unknown>, options: MigrateOptions): Migrator {
  return new Migrator({
    db,
    provider: new FolderMigrationProvider({ folder: options.folder ?? MIGRATIONS_FOLDER }),
    migrationTableSchema: MIGRATION_SCHEMA,
  });
}

/**
 * Applies every pending migration in one transaction under the Migrator's lock
 * (concurrent callers wait, then find nothing to do; a failure applies none of them).
 * Never throws: the error comes back with the results.
 */
export async function migrateToLatest<DB>(
  db: Kysely<DB>,
  options: MigrateOptions = {},
): Promise<MigrateOutcome> {
  try {
    const { results, error } = await migrator(db as Kysely<unknown>, options).migrateToLatest();
    return { results: results ?? [], error };
  } catch (error) {
    return { results: [], error };
  }
}

/** Names of the migrations not applied yet, oldest first. */
export async function pendingMigrations<DB>(
  db: Kysely<DB>,
  options: MigrateOptions = {},
): Promise<string[]> {
  const all = await migrator(db as Kysely<unknown>, options).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}
