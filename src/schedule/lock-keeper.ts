import type pg from "pg";
import { RunLockLostError } from "../load/run-fence.ts";
import { systemSleep } from "../runtime.ts";
import { findAdvisoryKeyHolder, tryAdvisoryKey, unlockAdvisoryKey } from "./advisory-key.ts";
import { readLockRow, reassertLockRow, releaseLockRow } from "./lock-row.ts";

export interface LockKeeperLogger {
  warn(fields: object, message: string): void;
}

export interface LockKeeperSettings {
  readonly name: string;
  /**
   * Whether the lock is also the advisory key older binaries take (the `default` tenant's
   * lock only): then it is taken again after a reconnection, and one held by an older
   * binary meanwhile means the lock is lost.
   */
  readonly legacyKey: boolean;
  readonly token: string;
  readonly heartbeatMs: number;
  readonly graceMs: number;
  readonly reconnectMaxDelayMs: number;
  /** A new connection for the lock (the keeper owns and ends it). */
  readonly connect: () => Promise<pg.Client>;
  readonly logger?: LockKeeperLogger;
  /** Describes the row's holder for the "taken over by …" message. */
  readonly describeHolder: (row: Awaited<ReturnType<typeof readLockRow>>) => string;
}

type State = "held" | "reconnecting" | "lost" | "released";

/**
 * Keeps a run lock that was taken: confirms it every heartbeat, and when its connection
 * dies (server restart, terminated backend, network) reconnects at once and re-registers
 * the new backend while the token still stands, taking the advisory key again first.
 * `lost` aborts only when the lock is verifiably no longer ours: another run took it over
 * (after this holder was gone longer than the grace), or an older binary took the
 * advisory key while our connection was down.
 */
export class LockKeeper {
  readonly #settings: LockKeeperSettings;
  readonly #lost = new AbortController();
  readonly #stopped = new AbortController();
  #state: State = "held";
  #client: pg.Client;
  #backendPid: number;
  #holdsAdvisoryKey: boolean;
  #heartbeat: NodeJS.Timeout | undefined;
  #beating = false;
  #released: Promise<void> | null = null;

  constructor(
    client: pg.Client,
    backendPid: number,
    holdsAdvisoryKey: boolean,
    settings: LockKeeperSettings,
  ) {
    this.#settings = settings;
    this.#client = client;
    this.#backendPid = backendPid;
    this.#holdsAdvisoryKey = holdsAdvisoryKey;
    this.#adopt(client);
  }

  get lost(): AbortSignal {
    return this.#lost.signal;
  }

  get backendPid(): number {
    return this.#backendPid;
  }

  /** Frees the lock (row and advisory key) and ends the connection. Idempotent; never throws. */
  release(): Promise<void> {
    this.#released ??= this.#release().catch(() => undefined);
    return this.#released;
  }

  async #release(): Promise<void> {
    const was = this.#state;
    this.#state = "released";
    this.#stopped.abort();
    clearInterval(this.#heartbeat);
    let freed = was === "lost";
    if (was === "held") {
      try {
        await releaseLockRow(this.#client, this.#settings.name, this.#settings.token);
        if (this.#holdsAdvisoryKey) await unlockAdvisoryKey(this.#client);
        freed = true;
      } catch {
        // The connection's end frees the advisory key; the row is freed below.
      }
    }
    await this.#client.end().catch(() => undefined);
    // A reconnection in flight is not awaited (it may take a connect timeout): it sees the
    // keeper released and ends its connection; whichever of it and the release below
    // touches the row last, the row ends free.
    if (!freed) {
      // From a fresh connection, so that the next run (maybe this process's next
      // scheduled one) need not wait for the takeover grace.
      const client = await this.#settings.connect().catch(() => null);
      if (client) {
        await releaseLockRow(client, this.#settings.name, this.#settings.token).catch(
          () => undefined,
        );
        await client.end().catch(() => undefined);
      }
    }
  }

  #adopt(client: pg.Client): void {
    this.#client = client;
    // A dead idle connection emits 'error'; unhandled, it would crash the process.
    const down = (error?: Error): void => {
      if (this.#client === client) this.#connectionLost(error);
    };
    client.on("error", down);
    client.on("end", () => down());
    clearInterval(this.#heartbeat);
    this.#heartbeat = setInterval(() => void this.#beat(client), this.#settings.heartbeatMs);
    this.#heartbeat.unref();
  }

  async #beat(client: pg.Client): Promise<void> {
    if (this.#state !== "held" || this.#beating || this.#client !== client) return;
    this.#beating = true;
    try {
      const ours = await reassertLockRow(client, this.#settings.name, this.#settings.token);
      if (!ours && this.#state === "held") return await this.#takenOver(client);
      // Taken while someone who cannot write held the advisory key: take it once it is
      // free, so that an older binary cannot start meanwhile.
      if (
        this.#settings.legacyKey &&
        !this.#holdsAdvisoryKey &&
        this.#state === "held" &&
        (await tryAdvisoryKey(client))
      ) {
        this.#holdsAdvisoryKey = true;
      }
    } catch {
      // A heartbeat that fails on a connection that did not report its end (a timeout on
      // a silent network): drop it, which starts the reconnection.
      if (this.#state === "held" && this.#client === client) client.end().catch(() => undefined);
    } finally {
      this.#beating = false;
    }
  }

  #connectionLost(error: Error | undefined): void {
    if (this.#state !== "held") return;
    this.#state = "reconnecting";
    clearInterval(this.#heartbeat);
    this.#holdsAdvisoryKey = false;
    this.#settings.logger?.warn(
      { backendPid: this.#backendPid, error: error?.message ?? "connection closed" },
      "the run lock's database connection was lost; re-establishing it (writes wait meanwhile)",
    );
    void this.#reconnect(Date.now());
  }

  async #reconnect(since: number): Promise<void> {
    let delayMs = 0;
    while (this.#state === "reconnecting") {
      if (delayMs > 0 && !(await this.#sleep(delayMs))) return;
      delayMs = Math.min(Math.max(delayMs * 2, 100), this.#settings.reconnectMaxDelayMs);
      let client: pg.Client | null = null;
      try {
        client = await this.#settings.connect();
        const outcome = await this.#reassert(client);
        if (this.#state !== "reconnecting") {
          await client.end().catch(() => undefined);
          return;
        }
        if (outcome.kind === "lost") {
          await client.end().catch(() => undefined);
          this.#lose(outcome.error);
          return;
        }
        this.#holdsAdvisoryKey = outcome.advisoryKey;
        this.#backendPid = outcome.backendPid;
        this.#state = "held";
        this.#adopt(client);
        this.#settings.logger?.warn(
          { backendPid: outcome.backendPid, afterMs: Date.now() - since },
          "the run lock is held again on a new database connection",
        );
        return;
      } catch {
        await client?.end().catch(() => undefined);
      }
    }
  }

  async #reassert(
    client: pg.Client,
  ): Promise<
    | { kind: "held"; backendPid: number; advisoryKey: boolean }
    | { kind: "lost"; error: RunLockLostError }
  > {
    const { name, token } = this.#settings;
    const pid = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    const backendPid = pid.rows[0]?.pid ?? 0;
    const advisoryKey = this.#settings.legacyKey && (await tryAdvisoryKey(client));
    if (this.#settings.legacyKey && !advisoryKey) {
      const holder = await findAdvisoryKeyHolder(client, backendPid);
      if (holder?.canWrite) {
        const row = await readLockRow(client, name, this.#settings.graceMs, { forUpdate: false });
        const by =
          row?.token === token
            ? `an older teams-chat-sync (postgres backend pid ${holder.backendPid}${holder.applicationName ? `, application "${holder.applicationName}"` : ""}) took its advisory key while our connection was down`
            : `it was taken over by ${this.#settings.describeHolder(row)}`;
        return {
          kind: "lost",
          error: new RunLockLostError(
            `the run lock was lost: ${by}; stopping before the next write`,
          ),
        };
      }
    }
    if (await reassertLockRow(client, name, token))
      return { kind: "held", backendPid, advisoryKey };
    if (advisoryKey) await unlockAdvisoryKey(client).catch(() => undefined);
    const row = await readLockRow(client, name, this.#settings.graceMs, { forUpdate: false });
    return {
      kind: "lost",
      error: new RunLockLostError(
        row?.token
          ? `the run lock was taken over by ${this.#settings.describeHolder(row)} while our connection was down: stopping before the next write`
          : "the run lock was released by someone else while our connection was down: stopping before the next write",
      ),
    };
  }

  async #takenOver(client: pg.Client): Promise<void> {
    const row = await readLockRow(client, this.#settings.name, this.#settings.graceMs, {
      forUpdate: false,
    }).catch(() => null);
    this.#lose(
      new RunLockLostError(
        `the run lock was taken over by ${this.#settings.describeHolder(row)}: stopping before the next write`,
      ),
    );
  }

  #lose(error: RunLockLostError): void {
    if (this.#state === "released" || this.#state === "lost") return;
    this.#state = "lost";
    clearInterval(this.#heartbeat);
    this.#stopped.abort();
    // Not ours any more: our session must not keep the advisory key either.
    this.#client.end().catch(() => undefined);
    this.#lost.abort(error);
  }

  /** Resolves true after `ms`, or false at once when the keeper stops. */
  #sleep(ms: number): Promise<boolean> {
    return systemSleep(ms, this.#stopped.signal).then(
      () => true,
      () => false,
    );
  }
}
