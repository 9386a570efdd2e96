import { readdir } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Migration, MigrationProvider } from "kysely";

export interface FolderMigrationProviderProps {
  readonly folder: string;
  readonly readdir?: (folder: string) => Promise<string[]>;
  readonly importModule?: (url: string) => Promise<unknown>;
}

const MIGRATION_FILE = /^(?!.*\.d\.[mc]?ts$).+\.(?:[mc]?ts|[mc]?js)$/;

/**
 * Kysely's FileMigrationProvider, but importing by file URL (portable, and what tsx
 * and vitest resolve) and refusing a file that is not a migration instead of skipping
 * it silently.
 */
export class FolderMigrationProvider implements MigrationProvider {
  readonly #props: FolderMigrationProviderProps;

  constructor(props: FolderMigrationProviderProps) {
    this.#props = Object.freeze({ ...props });
  }

  async getMigrations(): Promise<Record<string, Migration>> {
    const list = this.#props.readdir ?? ((folder: string) => readdir(folder));
    const load = this.#props.importModule ?? ((url: string) => import(url) as Promise<unknown>);
    const files = (await list(this.#props.folder)).filter((f) => MIGRATION_FILE.test(f)).sort();
    const migrations: Record<string, Migration> = {};
    for (const file of files) {
      const url = pathToFileURL(path.join(this.#props.folder, file)).href;
      const module = (await load(url)) as { default?: unknown } & Partial<Migration>;
      const migration = isMigration(module) ? module : module.default;
      if (!isMigration(migration)) {
        throw new Error(`migration ${file} in ${this.#props.folder} does not export up()`);
      }
      migrations[file.slice(0, file.lastIndexOf("."))] = migration;
    }
    return migrations;
  }
}

function isMigration(value: unknown): value is Migration {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { up?: unknown }).up === "function"
  );
}
