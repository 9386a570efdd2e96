import { sql, type Kysely, type RawBuilder } from "kysely";
import { toJsonParam } from "./json-param.ts";
import { executeNamed } from "./named-statement.ts";
import type { Database } from "./schema.ts";

/** Rows a statement inserted and rows it changed (unchanged rows are neither). */
export interface WriteCount {
  readonly inserted: number;
  readonly updated: number;
}

const NO_ROW_WRITES: WriteCount = Object.freeze({ inserted: 0, updated: 0 });

export function addCounts(a: WriteCount, b: WriteCount): WriteCount {
  return { inserted: a.inserted + b.inserted, updated: a.updated + b.updated };
}

/**
 * How the rows of one table are upserted. `columns` maps every column the rows carry
 * to its SQL type (the key columns included); the bookkeeping columns are added here.
 */
export interface UpsertSpec<Row> {
  /**
   * The statement's name (named-statement.ts), unique among specs; the variant without
   * the probe for unchanged rows (`mayExist: false`) is this name with `_new`.
   */
  readonly name: string;
  /** Table in schema `teams`. */
  readonly table: string;
  readonly key: readonly (keyof Row & string)[];
  readonly columns: { readonly [C in keyof Row & string]: string };
  /** Column cleared when the row is seen again (the row "comes back"). */
  readonly reappears?: "removed_at" | "deleted_at";
}

export interface UpsertOptions {
  /** Rows per statement; bounds statement size, not parameters (there is one). */
  readonly chunkSize?: number;
  /**
   * False when the rows' keys cannot be stored yet (the rows of chats this transaction has
   * just inserted): the statement then skips the probe that filters out unchanged rows,
   * which could find nothing, and goes straight to the insert. The outcome is the same
   * either way (a row that did exist would go through ON CONFLICT … WHERE, written only if
   * changed); only the cost differs: the probe is a large share of a fresh insert's
   * (docs/decisions.md).
   */
  readonly mayExist?: boolean;
}

export const DEFAULT_CHUNK_SIZE = 2_000;
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const SQL_TYPE = /^[a-z][a-z0-9_ ]*(\[\])?$/;

/**
 * Inserts new rows and rewrites changed ones, never touching an unchanged row:
 * - the whole chunk is one jsonb parameter expanded by jsonb_to_recordset, so there is
 *   no 65535-parameter limit and one statement per chunk;
 * - rows identical to the stored ones are filtered out before the insert, so they are
 *   neither written nor even locked (no contention between users sharing a chat), and
 *   ON CONFLICT … WHERE … IS DISTINCT FROM catches a row changed concurrently;
 * - duplicate keys are collapsed (last wins: Postgres refuses to touch a row twice in
 *   one statement) and rows go in key order, so concurrent transactions lock shared
 *   rows in the same order instead of deadlocking.
 * first_seen_at is set on insert; last_seen_at on every write (insert, change,
 * reappearance); the `reappears` column is cleared.
 */
export async function upsertRows<Row extends object>(
  db: Kysely<Database>,
  spec: UpsertSpec<Row>,
  rows: readonly Row[],
  seenAt: Date,
  options: UpsertOptions = {},
): Promise<WriteCount> {
  if (rows.length === 0) return NO_ROW_WRITES;
  const statement = compile(spec, options.mayExist ?? true);
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const sorted = dedupeAndSort(rows, spec.key);
  let total = NO_ROW_WRITES;
  for (let i = 0; i < sorted.length; i += chunkSize) {
    const chunk = sorted.slice(i, i + chunkSize).map((r) => pick(r, statement.columns));
    const { rows: result } = await executeNamed(
      db,
      statement.name,
      statement.run(toJsonParam(chunk), seenAt),
    );
    const counts = result[0];
    if (counts) total = addCounts(total, counts);
  }
  return total;
}

/** One row per key, the last one given; in ascending key order. */
export function dedupeAndSort<Row>(rows: readonly Row[], key: readonly (keyof Row)[]): Row[] {
  const byKey = new Map<string, { row: Row; key: string[] }>();
  for (const row of rows) {
    const parts = key.map((k) => String(row[k]));
    byKey.set(mapKey(parts), { row, key: parts });
  }
  return [...byKey.values()].sort((a, b) => compareKeys(a.key, b.key)).map((e) => e.row);
}

/** The parts as one string that no other parts give (each is prefixed by its length). */
function mapKey(parts: readonly string[]): string {
  if (parts.length === 1) return parts[0] ?? "";
  let out = "";
  for (const part of parts) out += `${part.length}:${part}`;
  return out;
}

function compareKeys(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? "";
    const y = b[i] ?? "";
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function pick(row: object, columns: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of columns) out[c] = (row as Record<string, unknown>)[c];
  return out;
}

interface CompiledUpsert {
  readonly name: string;
  readonly columns: readonly string[];
  run(json: string, seenAt: Date): RawBuilder<WriteCount>;
}

/** Per spec, the statement with the probe for unchanged rows and the one without. */
const compiled = new WeakMap<object, { probed?: CompiledUpsert; unprobed?: CompiledUpsert }>();

function compile<Row>(spec: UpsertSpec<Row>, probe: boolean): CompiledUpsert {
  let variants = compiled.get(spec);
  if (!variants) compiled.set(spec, (variants = {}));
  const cached = probe ? variants.probed : variants.unprobed;
  if (cached) return cached;
  const columns = Object.keys(spec.columns);
  // Specs are code, but they are spliced into SQL: keep them to plain names and types.
  for (const name of [spec.table, ...columns, spec.reappears ?? "removed_at"]) {
    if (!IDENTIFIER.test(name)) throw new Error(`not a plain identifier: ${name}`);
  }
  for (const type of Object.values<string>(spec.columns)) {
    if (!SQL_TYPE.test(type)) throw new Error(`not a plain SQL type: ${type}`);
  }
  const key: readonly string[] = spec.key;
  const data = columns.filter((c) => !key.includes(c));
  const types = columns.map((c) => `${c} ${spec.columns[c as keyof Row & string]}`).join(", ");
  const list = (prefix: string, names: readonly string[]) =>
    names.map((c) => `${prefix}${c}`).join(", ");
  const sameData = data.length
    ? [`row(${list("e.", data)}) is not distinct from row(${list("v.", data)})`]
    : [];
  const changed = data.length
    ? [`row(${list("t.", data)}) is distinct from row(${list("excluded.", data)})`]
    : [];
  const gone = spec.reappears;
  const unchanged = [
    ...key.map((k) => `e.${k} = v.${k}`),
    ...sameData,
    ...(gone ? [`e.${gone} is null`] : []),
  ].join(" and ");
  const whereWritten = [...changed, ...(gone ? [`t.${gone} is not null`] : [])].join(" or ");
  if (!whereWritten) throw new Error(`upsert of ${spec.table} has nothing to compare`);
  const set = [
    ...data.map((c) => `${c} = excluded.${c}`),
    "last_seen_at = excluded.last_seen_at",
    ...(gone ? [`${gone} = null`] : []),
  ].join(", ");
  const table = `teams.${spec.table}`;
  const head = sql.raw(`
    with written as (
      insert into ${table} as t (${columns.join(", ")}, first_seen_at, last_seen_at)
      select ${list("v.", columns)}, s.seen_at, s.seen_at
      from rows from (jsonb_to_recordset(`);
  const middle = sql.raw(`::jsonb) as (${types}))
        with ordinality as v(${columns.join(", ")}, ord)
      cross join (select `);
  const tail = sql.raw(`::timestamptz as seen_at) s
      ${probe ? `where not exists (select 1 from ${table} e where ${unchanged})` : ""}
      order by v.ord
      on conflict (${key.join(", ")}) do update set ${set}
      where ${whereWritten}
      returning (xmax = 0) as inserted
    )
    select (count(*) filter (where inserted))::int as inserted,
           (count(*) filter (where not inserted))::int as updated
    from written`);
  const statement: CompiledUpsert = {
    name: probe ? spec.name : `${spec.name}_new`,
    columns,
    run: (json, seenAt) => sql<WriteCount>`${head}${json}${middle}${seenAt}${tail}`,
  };
  if (probe) variants.probed = statement;
  else variants.unprobed = statement;
  return statement;
}
