import { Kysely } from "kysely";
import pg from "pg";
import { NamedStatementDialect } from "./named-statement-driver.ts";
import type { Database } from "./schema.ts";

export interface DatabaseOptions {
  /** Pool size: at least the sync concurrency, since each user's load holds one connection. */
  readonly maxConnections?: number;
  /** Server-side statement_timeout in ms; 0 or absent for none. */
  readonly statementTimeoutMs?: number;
  readonly connectionTimeoutMs?: number;
  readonly applicationName?: string;
  /**
   * Run the loader's hot statements as named prepared statements (default true); off for
   * poolers that lose them between transactions (see named-statement.ts).
   */
  readonly preparedStatements?: boolean;
  /** Errors of idle pooled connections (server restart...); the pool drops those clients. */
  readonly onIdleClientError?: (error: Error) => void;
}

export interface OpenDatabase {
  readonly db: Kysely<Database>;
  close(): Promise<void>;
}

export const APPLICATION_NAME = "teams-chat-sync";
const INT8_OID = 20;

/**
 * Opens a pooled connection to the warehouse. The URL is handed to pg as is, so its
 * parameters (sslmode, sslrootcert, application_name, options...) mean exactly what pg
 * makes of them and win over these options. Note pg 8 treats sslmode=prefer/require/
 * verify-ca as verify-full; add uselibpqcompat=true for libpq's weaker meanings.
 */
export function openDatabase(url: string, options: DatabaseOptions = {}): OpenDatabase {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 30_000,
    application_name: options.applicationName ?? APPLICATION_NAME,
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    // Commits do not wait for their WAL to reach disk: a run commits thousands of short
    // transactions and waiting for a flush each time cost more than their rows. Nothing
    // is half-applied: if the server crashes, the last commits (under a second's worth)
    // are lost whole, watermarks with them, and the next run fetches them again. The
    // run's final commit (finishRun) waits, flushing all the WAL before it: a run reported
    // finished is durable. (An `options` parameter in the URL replaces this one.)
    options: "-c synchronous_commit=off",
    types: { getTypeParser },
  });
  // Without a listener an idle client's error (e.g. the server restarting) would crash
  // the process; the pool already discards that client.
  pool.on("error", (error) => options.onIdleClientError?.(error));
  // pg-pool listens on idle clients only: a checked-out client (inside a transaction)
  // whose connection dies would emit an unhandled 'error' and crash the process before
  // the query's own rejection reaches the retry. A permanent listener lets it reach it.
  // (Idle clients' errors are reported by the pool listener above.)
  const prepared = options.preparedStatements ?? true;
  pool.on("connect", (client) => {
    client.on("error", () => undefined);
  });
  const db = new Kysely<Database>({ dialect: new NamedStatementDialect(pool, prepared) });
  return {
    db,
    close: () => db.destroy(),
  };
}

// Counts (count(*)) and the bigint identities come back as int8, which pg leaves as
// strings; ours stay far below 2^53, so numbers are exact and easier to use.
const getTypeParser = ((oid: number, format?: "text" | "binary") =>
  oid === INT8_OID && format !== "binary"
    ? (value: string) => Number(value)
    : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser;
