import { createHash } from "node:crypto";
import type pg from "pg";

/**
 * Starts the SQL of a statement that runs as a named prepared statement on each
 * connection: parsed and planned once per connection instead of at every execution
 * (Postgres switches a prepared statement to a generic plan when the custom ones are no
 * better). For the statements a sync runs thousands of times with one text: the upserts,
 * the removal checks, the follow-up marks. Postgres spent 4.5 s planning them in a replay
 * of a full sync's loads (0.2-0.4 ms an upsert), which took 16.0 s, 13.4 s with them
 * prepared. A marked text must be one of a fixed
 * few, never built from data, as each distinct text is kept by every connection.
 */
export const PREPARED = "/* prepared */";

type Query = pg.ClientBase["query"];

/**
 * Makes the client run marked statements as named prepared statements: the name is a
 * digest of the text, so one text is prepared once per connection, whatever module runs
 * it. Poolers that do not keep prepared statements across transactions (PgBouncer in
 * transaction mode before 1.21) need this off: PG_PREPARED_STATEMENTS=off.
 */
export function prepareMarkedStatements(client: pg.ClientBase): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const names = new Map<string, string>();
  client.query = ((...args: unknown[]) => {
    const [text, values] = args;
    if (args.length === 2 && typeof text === "string" && text.startsWith(PREPARED)) {
      let name = names.get(text);
      if (name === undefined) {
        name = `tcs_${createHash("sha256").update(text).digest("hex").slice(0, 24)}`;
        names.set(text, name);
      }
      return query({ name, text, values });
    }
    return query(...args);
  }) as Query;
}
