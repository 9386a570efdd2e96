/**
 * The warehouse a sync opens has the pool its configuration derives from the concurrency:
 * every connection the rule says a run may need can be held at once.
 */
import os from "node:os";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { withWarehouse } from "../../src/cli/app.ts";
import { loadConfig } from "../../src/config/config.ts";
import { CONNECTIONS_PER_USER } from "../../src/config/pool-size.ts";
import { createLogger } from "../../src/log.ts";
import { defaultSyncOptions } from "../../src/sync/options.ts";
import { useTestDatabase } from "../support/database.ts";

const database = useTestDatabase();

describe("the warehouse pool of a sync", () => {
  it("holds as many connections at once as --concurrency N needs", async () => {
    // Six users in flight need twelve: more than pg's default pool of ten.
    const concurrency = 6;
    const needed = concurrency * CONNECTIONS_PER_USER;
    const config = loadConfig({
      env: { DATABASE_URL: database.url },
      cwd: os.tmpdir(),
      flags: { sync: defaultSyncOptions({ concurrency }) },
    });
    expect(config.database.poolSize).toBeGreaterThanOrEqual(needed);
    const app = { config, logger: createLogger({ level: "silent" }) };

    const pids = await withWarehouse(app, { migrate: false }, async ({ db }) => {
      // Each transaction keeps its connection until all `needed` have one; one that cannot
      // get a connection (past the pool's connection timeout) lets the others go.
      let begun = 0;
      let release = (): void => undefined;
      const allBegun = new Promise<void>((resolve) => (release = resolve));
      const holders = Array.from({ length: needed }, () =>
        db
          .transaction()
          .execute(async (trx) => {
            const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(
              trx,
            );
            if (++begun === needed) release();
            await allBegun;
            return rows[0]?.pid;
          })
          .catch((error: unknown) => {
            release();
            throw error;
          }),
      );
      return Promise.all(holders);
    });
    expect(new Set(pids).size).toBe(needed);
  });
});
