import { chmod, mkdir, stat } from "node:fs/promises";
import path from "node:path";
import { blockedAt } from "./reachable.ts";
import type { ServerUser } from "./server-user.ts";

/**
 * Where root keeps what the `postgres` user must reach when the checkout or DATA_DIR sit
 * in a folder it cannot enter (root's home is 0700): a copy of the server binaries and
 * the clusters. Root-owned and writable by root alone, or nothing in it can be trusted.
 */
export const DEFAULT_SHARED_ROOT = "/var/lib/teams-chat-sync";

export async function ensureSharedRoot(root: string, user: ServerUser): Promise<string> {
  const dir = path.resolve(root);
  const fail = (why: string, cause?: unknown): never => {
    throw new Error(
      `the postgres user cannot enter this folder, and ${dir} cannot hold the embedded Postgres instead (${why}): ` +
        `set DATA_DIR to a folder whose parents all allow others in (o+x), or DATABASE_URL`,
      cause === undefined ? undefined : { cause },
    );
  };
  try {
    const created = await mkdir(dir, { recursive: true, mode: 0o755 });
    if (created !== undefined) await chmod(dir, 0o755);
  } catch (cause) {
    return fail(`cannot create it: ${(cause as Error).message}`, cause);
  }
  for (let current = dir; ; current = path.dirname(current)) {
    const st = await stat(current);
    // A sticky folder above (/tmp) lets nobody replace what root made in it.
    const sticky = current !== dir && (st.mode & 0o1000) !== 0;
    const othersWrite = (st.mode & 0o022) !== 0 && !sticky;
    if (st.uid !== 0 || othersWrite) return fail(`${current} is not root's alone`);
    if (current === path.dirname(current)) break;
  }
  const blocked = await blockedAt(dir, user);
  if (blocked !== null) return fail(`${blocked} does not let the postgres user in`);
  return dir;
}

/** A root-owned 0755 directory under the shared root. */
export async function sharedSubdir(root: string, name: string): Promise<string> {
  const dir = path.join(root, name);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await chmod(dir, 0o755);
  return dir;
}
