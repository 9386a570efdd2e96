import {
  PostgresDialect,
  PostgresDriver,
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
} from "kysely";
import type pg from "pg";
import { statementName } from "./named-statement.ts";

/**
 * Kysely's Postgres dialect, except that its connections run a query carrying a statement
 * name (named-statement.ts) as pg's named query `{ name, text, values }`; Kysely's own
 * connections pass pg only the text and the values. The driver replaces only how a
 * connection is taken from the pool and given back: transactions and savepoints are
 * Kysely's, run through these connections. `prepared` false (PG_PREPARED_STATEMENTS=off)
 * drops the names, for poolers that do not keep prepared statements across transactions
 * (PgBouncer in transaction mode before 1.21).
 */
export class NamedStatementDialect extends PostgresDialect {
  readonly #pool: pg.Pool;
  readonly #prepared: boolean;

  constructor(pool: pg.Pool, prepared: boolean) {
    super({ pool });
    this.#pool = pool;
    this.#prepared = prepared;
  }

  override createDriver(): Driver {
    return new NamedStatementDriver(this.#pool, this.#prepared);
  }
}

class NamedStatementDriver extends PostgresDriver {
  readonly #pool: pg.Pool;
  readonly #prepared: boolean;

  constructor(pool: pg.Pool, prepared: boolean) {
    super({ pool });
    this.#pool = pool;
    this.#prepared = prepared;
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    return new NamingConnection(await this.#pool.connect(), this.#prepared);
  }

  override async releaseConnection(connection: DatabaseConnection): Promise<void> {
    (connection as NamingConnection).client.release();
  }
}

const COUNTED = new Set(["INSERT", "UPDATE", "DELETE", "MERGE"]);

class NamingConnection implements DatabaseConnection {
  constructor(
    readonly client: pg.PoolClient,
    private readonly prepared: boolean,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const name = this.prepared ? statementName(query) : undefined;
    const result = await this.client.query({
      text: query.sql,
      values: [...query.parameters],
      ...(name === undefined ? {} : { name }),
    });
    return {
      rows: (result.rows ?? []) as R[],
      ...(COUNTED.has(result.command) ? { numAffectedRows: BigInt(result.rowCount ?? 0) } : {}),
    };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("streaming queries are not set up (no cursor)");
  }
}
