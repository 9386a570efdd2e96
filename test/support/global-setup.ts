import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../src/load/embedded-postgres.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** A Postgres URL whose user may CREATE DATABASE; each test file makes its own database. */
    adminDatabaseUrl: string;
  }
}

/**
 * Provides one Postgres server for the whole test run:
 * - TEST_DATABASE_URL when set (its user needs CREATEDB);
 * - a testcontainers Postgres when TEST_PG=container (needs a container runtime);
 * - otherwise an embedded Postgres in a temporary directory, under the same rules as the
 *   app's: a free port, a random password, and a watchdog that stops the server and
 *   removes the directory if the runner is killed.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const fromEnv = process.env.TEST_DATABASE_URL;
  if (fromEnv) {
    project.provide("adminDatabaseUrl", fromEnv);
    return async () => undefined;
  }
  if (process.env.TEST_PG === "container") {
    const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
    const container = await new PostgreSqlContainer("postgres:17-alpine").start();
    project.provide("adminDatabaseUrl", container.getConnectionUri());
    return async () => {
      await container.stop();
    };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), "tcs-test-pg-"));
  const pg = await startEmbeddedPostgres({ dir, port: 0, persistent: false });
  project.provide("adminDatabaseUrl", pg.url);
  return () => pg.stop();
}
