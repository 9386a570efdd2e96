/**
 * A checkout in a folder other users cannot enter (root's 0700 home): as root the server
 * runs as `postgres`, which can reach neither node_modules nor DATA_DIR there. The
 * binaries are then copied to a shared root-owned place and the cluster made there, with
 * DATA_DIR/pg pointing to it; the password stays in DATA_DIR. As any other user the
 * server runs as that user and the folder is no obstacle: the same test holds.
 */
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "../../src/load/embedded-postgres.ts";
import { packagedBinaries } from "../../src/load/embedded/binaries.ts";
import { ensureSharedRoot } from "../../src/load/embedded/shared-root.ts";

const isRoot = process.getuid?.() === 0;
const made: string[] = [];
afterAll(async () => {
  for (const dir of made) await rm(dir, { recursive: true, force: true });
});

function tempDir(prefix: string, mode: number): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  chmodSync(dir, mode);
  made.push(dir);
  return dir;
}

describe(
  "a checkout in a folder only its owner may enter (mode 0700)",
  { timeout: 180_000 },
  () => {
    it("the embedded server starts with DATA_DIR and the binaries inside it, and leaves nothing behind", async () => {
      const home = tempDir("tcs-private-home-", 0o700);
      const checkout = path.join(home, "teams-chat-sync");
      mkdirSync(checkout);
      // The binaries as node_modules holds them, inside the private folder.
      const binaries = path.join(checkout, "postgres-binaries");
      symlinkSync((await packagedBinaries()).root, binaries);
      const dataDir = path.join(checkout, ".data");
      const sharedRoot = path.join(tempDir("tcs-shared-root-", 0o755), "teams-chat-sync");

      const server = await startEmbeddedPostgres({
        dir: dataDir,
        port: 0,
        persistent: false,
        sharedRoot,
        binariesRoot: binaries,
      });
      let clusterDir: string;
      try {
        const client = new pg.Client({ connectionString: server.url });
        await client.connect();
        const { rows } = await client.query<{ dir: string }>(
          "select current_setting('data_directory') as dir",
        );
        await client.end();
        clusterDir = rows[0]?.dir ?? "";
        expect(realpathSync(clusterDir)).toBe(realpathSync(path.join(dataDir, "pg")));
        // The password stays in DATA_DIR, root's (the owner's) alone.
        expect(path.dirname(server.passFile)).toBe(dataDir);
        expect(statSync(server.passFile).mode & 0o777).toBe(0o600);
        if (isRoot) {
          expect(lstatSync(path.join(dataDir, "pg")).isSymbolicLink()).toBe(true);
          expect(clusterDir.startsWith(path.join(sharedRoot, "clusters") + path.sep)).toBe(true);
          expect(existsSync(path.join(sharedRoot, "binaries"))).toBe(true);
          expect(statSync(dataDir).mode & 0o777).toBe(0o700);
        }
      } finally {
        await server.stop();
      }
      // A throwaway DATA_DIR goes whole, the relocated cluster with it.
      expect(existsSync(dataDir)).toBe(false);
      expect(existsSync(clusterDir)).toBe(false);
    });

    it("when no place the postgres user can reach can be used, the error is one line that says what to set", async () => {
      const open = tempDir("tcs-shared-open-", 0o777);
      const nobody = { name: "nobody", uid: 65534, gid: 65534 };
      const error = await ensureSharedRoot(open, nobody).then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(error).toBeInstanceOf(Error);
      expect(error?.message).not.toContain("\n");
      expect(error?.message).toMatch(/set DATA_DIR to a folder .* or DATABASE_URL/);
    });
  },
);
