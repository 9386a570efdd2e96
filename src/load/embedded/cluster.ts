import { chown, mkdir, readdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import type { PgBinaries } from "./binaries.ts";
import { SUPERUSER } from "./pass-file.ts";
import { isAlive, processId } from "./processes.ts";
import { runAs } from "./run-as.ts";
import type { ServerUser } from "./server-user.ts";

export interface ClusterIo {
  readonly binaries: PgBinaries;
  readonly user: ServerUser | null;
}

/**
 * Creates a cluster at `target` whose superuser has `password`. initdb works in a staging
 * folder renamed into place only once the password is set, so an interrupted first start
 * leaves no half-made cluster, and no password file at all: initdb gets none (peer for
 * the socket, which the server never opens, and scram-sha-256 for TCP), and the password
 * is set by a single-user backend reading it from a pipe.
 */
export async function createCluster(
  target: string,
  password: string,
  io: ClusterIo,
): Promise<void> {
  await removeAbandonedStaging(target);
  const staging = `${target}.init-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { mode: 0o700 });
  if (io.user) await chown(staging, io.user.uid, io.user.gid);
  const initdb = await runAs(
    io.binaries.initdb,
    [
      `--pgdata=${staging}`,
      `--username=${SUPERUSER}`,
      "--auth-local=peer",
      "--auth-host=scram-sha-256",
      "--encoding=UTF8",
      // Code-point order and Unicode case rules from Postgres itself, the same on every
      // machine whatever locales the OS has.
      "--locale-provider=builtin",
      "--builtin-locale=C.UTF-8",
      "--locale=C",
    ],
    { user: io.user },
  );
  if (initdb.code !== 0) {
    await rm(staging, { recursive: true, force: true });
    throw new Error(`initdb failed for ${target}: ${lastLines(initdb.output)}`);
  }
  await setSuperuserPassword(staging, password, io);
  await rename(staging, target);
}

/**
 * Sets the superuser's password with the server stopped, in a single-user backend: no
 * connection, so no old password is needed (a cluster from before passwords were random,
 * or one whose passfile was lost, gets a new one the same way).
 */
export async function setSuperuserPassword(
  clusterDir: string,
  password: string,
  io: ClusterIo,
): Promise<void> {
  if (!/^[A-Za-z0-9_-]+$/.test(password)) throw new Error("unexpected password characters");
  const result = await runAs(
    io.binaries.postgres,
    // The statement holds the password: never echo it into an error message or the log.
    ["--single", "-D", clusterDir, "-c", "log_min_error_statement=panic", "postgres"],
    { user: io.user, input: `ALTER ROLE ${SUPERUSER} WITH PASSWORD '${password}';\n` },
  );
  const output = result.output.split(password).join("***");
  if (result.code !== 0 || /\b(ERROR|FATAL|PANIC):/.test(output)) {
    throw new Error(
      `could not set the embedded Postgres password in ${clusterDir}: ${lastLines(output)}`,
    );
  }
}

/** Staging folders of inits whose process died (killed mid-initdb). */
async function removeAbandonedStaging(target: string): Promise<void> {
  const prefix = `${path.basename(target)}.init-`;
  const entries = await readdir(path.dirname(target)).catch(() => []);
  for (const entry of entries) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(entry.slice(prefix.length));
    if (!Number.isInteger(pid) || !isAlive(processId(pid))) {
      await rm(path.join(path.dirname(target), entry), { recursive: true, force: true });
    }
  }
}

function lastLines(output: string): string {
  return output.trim().split("\n").slice(-3).join(" | ");
}
