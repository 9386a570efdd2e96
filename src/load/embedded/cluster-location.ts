import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, lstat, readlink, rename, symlink } from "node:fs/promises";
import path from "node:path";
import { makeDataDir, type DataDirLayout } from "./layout.ts";
import { blockedAt } from "./reachable.ts";
import type { ServerUser } from "./server-user.ts";
import { ensureSharedRoot, sharedSubdir } from "./shared-root.ts";

/** Where the cluster is, or is to be made. */
export interface ClusterLocation {
  /** The folder itself (never the symlink), as the server is told it with -D. */
  readonly dir: string;
  /** It lives under the shared root, DATA_DIR/pg pointing to it. */
  readonly relocated: boolean;
  /** It holds a cluster (PG_VERSION) already. */
  readonly exists: boolean;
}

/**
 * The cluster lives in DATA_DIR/pg when the server's user can reach it there. As root
 * with DATA_DIR in a folder the `postgres` user cannot enter (root's 0700 home), a new
 * cluster goes to the shared root instead and DATA_DIR/pg becomes a symlink to it; the
 * password file and the rest of DATA_DIR stay where they are, root's alone.
 */
export async function locateCluster(
  layout: DataDirLayout,
  user: ServerUser | null,
  sharedRoot: string,
  log: (message: string) => void,
): Promise<ClusterLocation> {
  await makeDataDir(layout);
  const link = await lstat(layout.cluster).catch(() => null);
  if (link?.isSymbolicLink()) {
    const dir = path.resolve(layout.dataDir, await readlink(layout.cluster));
    if (user)
      await sharedSubdir(await ensureSharedRoot(path.dirname(path.dirname(dir)), user), "clusters");
    await chmod(layout.dataDir, 0o700);
    return { dir, relocated: true, exists: existsSync(path.join(dir, "PG_VERSION")) };
  }
  if (link && !existsSync(path.join(layout.cluster, "PG_VERSION"))) {
    // Not a cluster: what an initdb interrupted by an older version left. Kept aside, not lost.
    const aside = `${layout.cluster}.incomplete-${Date.now()}`;
    await rename(layout.cluster, aside);
    log(`${layout.cluster} held no complete cluster: moved it to ${aside} and creating a new one`);
  }
  const exists = link !== null && existsSync(path.join(layout.cluster, "PG_VERSION"));
  if (user === null) {
    await chmod(layout.dataDir, 0o700);
    return { dir: layout.cluster, relocated: false, exists };
  }
  const blocked = await blockedAt(path.dirname(layout.dataDir), user);
  if (blocked === null) {
    // The server's user may pass through DATA_DIR (to its own cluster), not list it.
    await chmod(layout.dataDir, 0o711);
    return { dir: layout.cluster, relocated: false, exists };
  }
  if (exists) {
    throw new Error(
      `the postgres user cannot enter ${blocked}, above the cluster in ${layout.cluster}: ` +
        `allow it through (chmod o+x ${blocked}) or set DATA_DIR to a folder it can reach`,
    );
  }
  const clusters = await sharedSubdir(await ensureSharedRoot(sharedRoot, user), "clusters");
  const dir = path.join(clusters, randomBytes(8).toString("hex"));
  await symlink(dir, layout.cluster);
  await chmod(layout.dataDir, 0o700);
  log(
    `the postgres user cannot enter ${blocked}: the cluster lives in ${dir} (${layout.cluster} points to it)`,
  );
  return { dir, relocated: true, exists: false };
}
