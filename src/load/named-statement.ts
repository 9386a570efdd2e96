import { CompiledQuery, type Kysely, type QueryResult, type RawBuilder } from "kysely";
import type { Database } from "./schema.ts";

/**
 * A statement the loader runs thousands of times a sync with one text (the upserts, the
 * removal checks, the follow-up marks), named where it is declared, as graphile-worker
 * names its queries (`{ text, values, name }`). pg sends a named statement's text once per
 * connection (a Parse under that name) and then only binds values to it, so Postgres
 * parses and plans it once per connection rather than at every execution, switching to a
 * generic plan once the custom ones are no better (docs/decisions.md has what it saved).
 *
 * A name stands for one text: pg refuses a name that connection prepared for another
 * text, and every connection keeps each statement it prepared until it closes, so names
 * and their texts are a fixed few, never built from data. Postgres tells names apart by
 * their first 63 bytes. Names are honoured while PG_PREPARED_STATEMENTS is on (the driver
 * of named-statement-driver.ts); off, the same statements run unnamed.
 */
export interface NamedQuery<R = unknown> extends CompiledQuery<R> {
  readonly name: string;
}

const STATEMENT_NAME = /^[a-z][a-z0-9_]{0,62}$/;

/** `query` to run as the prepared statement `name`. */
export function named<R>(name: string, query: CompiledQuery<R>): NamedQuery<R> {
  if (!STATEMENT_NAME.test(name)) throw new Error(`not a statement name: ${name}`);
  return Object.freeze({ ...query, name });
}

/** The statement name a compiled query carries, if any. */
export function statementName(query: CompiledQuery): string | undefined {
  const name = (query as Partial<NamedQuery>).name;
  return typeof name === "string" ? name : undefined;
}

/**
 * Runs a `sql` template as the statement `name`. Kysely sends no names of its own: the
 * template is compiled here, the name set beside its text and values, and
 * `db.executeQuery` hands that object as it is to the connection (the transaction's
 * inside one), whose driver passes the name on to pg.
 */
export function executeNamed<R>(
  db: Kysely<Database>,
  name: string,
  query: RawBuilder<R>,
): Promise<QueryResult<R>> {
  return db.executeQuery(named(name, query.compile(db)));
}

/** A statement declared as SQL text (`$1`, `$2`… for its values), with its name. */
export interface NamedText {
  readonly name: string;
  readonly text: string;
}

/** Runs a statement declared as text with these values, as the statement its name says. */
export function executeNamedText<R>(
  db: Kysely<Database>,
  statement: NamedText,
  values: readonly unknown[],
): Promise<QueryResult<R>> {
  return db.executeQuery(named<R>(statement.name, CompiledQuery.raw(statement.text, [...values])));
}
