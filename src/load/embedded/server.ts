import { realpath, rm } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { binariesIn, packagedBinaries, runnableBinaries, type PgBinaries } from "./binaries.ts";
import { createCluster, setSuperuserPassword } from "./cluster.ts";
import { locateCluster, type ClusterLocation } from "./cluster-location.ts";
import { freePort } from "./free-port.ts";
import { dataDirLayout, makeDataDir, REMOVE_TREE, type DataDirLayout } from "./layout.ts";
import { dropLease, liveLeases, takeLease } from "./leases.ts";
import { newPassword, readPassword, SUPERUSER, writePassFile } from "./pass-file.ts";
import {
  runningPostmaster,
  startPostmaster,
  stopPostmaster,
  type Postmaster,
} from "./postmaster.ts";
import { withServerLock } from "./server-lock.ts";
import { serverUser, type ServerUser } from "./server-user.ts";
import { DEFAULT_SHARED_ROOT } from "./shared-root.ts";
import { verifyServer } from "./verify-server.ts";
import { ensureWatchdog } from "./watchdog.ts";

/** Lines worth an operator's eye: adoption, stale files, password rotation, relocation. */
export interface EmbeddedLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface EmbeddedPostgresOptions {
  /** DATA_DIR: holds the cluster (or a pointer to it), the passfile, leases and the log. */
  readonly dir: string;
  /** TCP port on 127.0.0.1 when this process starts the server; 0 picks a free one. */
  readonly port: number;
  /** Keep the files once the last user stops the server (the app's database) or remove them (tests). */
  readonly persistent: boolean;
  readonly log?: EmbeddedLog;
  /** Where root keeps binaries and clusters the postgres user must reach (shared-root.ts). */
  readonly sharedRoot?: string;
  /** Binaries other than the packaged ones (a folder with bin/, lib/, share/). */
  readonly binariesRoot?: string;
}

/** This process's use of the embedded server: it runs at least until `stop()`. */
export interface RunningPostgres {
  /** Holds the password: for connecting, never for printing. */
  readonly url: string;
  readonly port: number;
  /** The cluster folder (under the shared root when DATA_DIR/pg points there). */
  readonly dir: string;
  readonly passFile: string;
  /** A psql command line that works without the password being shown or typed. */
  readonly psql: string;
  /** Starts the server again (same port and password) if it went away, e.g. between scheduled runs. */
  ensureRunning(): Promise<void>;
  /** Ends this process's use; the last user stops the server. */
  stop(): Promise<void>;
}

interface Context {
  readonly options: EmbeddedPostgresOptions;
  readonly layout: DataDirLayout;
  readonly user: ServerUser | null;
  readonly binaries: PgBinaries;
  readonly log: EmbeddedLog;
}

interface Served {
  readonly location: ClusterLocation;
  readonly port: number;
  readonly password: string;
}

const SILENT: EmbeddedLog = { info: () => undefined, warn: () => undefined };

/**
 * Starts the embedded Postgres of `options.dir`, or joins the one already running there.
 * One server per DATA_DIR, shared by every process that uses it and reference-counted
 * through leases: the last user to stop stops it, and a watchdog stops it when every
 * user died without stopping. Reachable only by its owner: 127.0.0.1, a random password
 * per DATA_DIR kept in a 0600 passfile, and an environment without any secret.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<RunningPostgres> {
  const layout = dataDirLayout(options.dir);
  const log = options.log ?? SILENT;
  const user = await serverUser();
  await makeDataDir(layout);
  const packaged = options.binariesRoot
    ? binariesIn(options.binariesRoot)
    : await packagedBinaries();
  const binaries = await runnableBinaries(
    packaged,
    user,
    options.sharedRoot ?? DEFAULT_SHARED_ROOT,
    (m) => log.info(m),
  );
  const context: Context = { options, layout, user, binaries, log };
  const { lease, served } = await withServerLock(
    layout.lockFile,
    async () => {
      const lease = await takeLease(layout.leasesDir, commandName());
      try {
        return { lease, served: await serve(context, null) };
      } catch (error) {
        await dropLease(lease);
        const clusterDir = await realpath(layout.cluster).catch(() => null);
        if (clusterDir) await stopUnused(context, clusterDir).catch(() => undefined);
        throw error;
      }
    },
    (m) => log.warn(m),
  );
  let current = served;
  let stopped = false;
  return {
    url: urlFor(served),
    port: served.port,
    dir: served.location.dir,
    passFile: layout.passFile,
    psql: `PGPASSFILE=${shellWord(layout.passFile)} psql -h 127.0.0.1 -p ${served.port} -U ${SUPERUSER} postgres`,
    async ensureRunning() {
      current = await withServerLock(
        layout.lockFile,
        async () => {
          const server = await runningPostmaster(current.location.dir, (m) => log.warn(m));
          if (server?.status === "ready") return current;
          log.warn(`the embedded Postgres on port ${current.port} is gone: starting it again`);
          return serve(context, current);
        },
        (m) => log.warn(m),
      );
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      const last = await withServerLock(
        layout.lockFile,
        async () => {
          await dropLease(lease);
          return stopUnused(context, current.location.dir);
        },
        (m) => log.warn(m),
      );
      if (last && !options.persistent) await removeAll(layout, current.location);
    },
  };
}

/**
 * Under the server lock: makes sure a server runs on the cluster (creating the cluster,
 * setting a password, starting or adopting the server) and has a watchdog. `known`: what
 * this process already serves with, kept when the server is started again.
 */
async function serve(context: Context, known: Served | null): Promise<Served> {
  const { layout, user, binaries, log, options } = context;
  const io = { binaries, user };
  const location = await locateCluster(
    layout,
    user,
    options.sharedRoot ?? DEFAULT_SHARED_ROOT,
    (m) => log.info(m),
  );
  // The watchdog first: if this process dies anywhere below (SIGKILL in the middle of a
  // start), the server it started still does not outlive it.
  const newWatchdog = await ensureWatchdog(
    layout,
    location.dir,
    options.persistent ? [] : removable(layout, location),
  );
  let password = (await readPassword(layout.passFile)) ?? known?.password ?? null;
  if (!location.exists) {
    password = newPassword();
    await createCluster(location.dir, password, io);
  }
  let server = await settled(location.dir, context);
  if (password === null) {
    // A DATA_DIR from the versions whose password was the fixed "teams-chat-sync", or one
    // whose passfile was deleted: a new random password, set with the server stopped.
    if (server) {
      log.warn(
        `stopping the embedded Postgres (pid ${server.pid}) to give it a random password; commands of earlier versions still using it will have to reconnect`,
      );
      await stopPostmaster(server);
      server = null;
    }
    password = newPassword();
    await setSuperuserPassword(location.dir, password, io);
    log.info(
      `the embedded Postgres superuser has a new random password, kept in ${layout.passFile}`,
    );
  }
  if (server && newWatchdog) {
    log.warn(
      `adopting the embedded Postgres (pid ${server.pid}, port ${server.port}) left running by a process that is gone: it stops when its last user ends`,
    );
  }
  if (!server) {
    const port = known?.port ?? (options.port === 0 ? await freePort() : options.port);
    await writePassFile(layout.passFile, password, port);
    server = await startPostmaster(location.dir, port, { ...io, logFile: layout.logFile });
  }
  await writePassFile(layout.passFile, password, server.port);
  const served: Served = { location, port: server.port, password };
  await verifyServer(urlFor(served), location.dir, layout.passFile);
  return served;
}

/** The running server, waiting out a start or stop someone else began. */
async function settled(clusterDir: string, context: Context): Promise<Postmaster | null> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const server = await runningPostmaster(clusterDir, (m) => context.log.warn(m));
    if (!server || server.status === "ready" || Date.now() > deadline) return server;
    await sleep(100);
  }
}

/** Under the server lock: stops the server when no live process holds a lease. */
async function stopUnused(context: Context, clusterDir: string): Promise<boolean> {
  if ((await liveLeases(context.layout.leasesDir)).length > 0) return false;
  const server = await runningPostmaster(clusterDir, (m) => context.log.warn(m));
  if (server) await stopPostmaster(server);
  return true;
}

function removable(layout: DataDirLayout, location: ClusterLocation): string[] {
  return location.relocated ? [location.dir, layout.dataDir] : [layout.dataDir];
}

async function removeAll(layout: DataDirLayout, location: ClusterLocation): Promise<void> {
  for (const dir of removable(layout, location)) await rm(dir, REMOVE_TREE);
}

function urlFor(served: Served): string {
  return `postgres://${SUPERUSER}:${encodeURIComponent(served.password)}@127.0.0.1:${served.port}/postgres`;
}

/** For the lease file: which command holds it (no arguments, they are nobody's business). */
function commandName(): string {
  return [path.basename(process.argv[1] ?? "node"), process.argv[2] ?? ""].join(" ").trim();
}

/** A path as one shell word, quoted only when it needs to be. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}
