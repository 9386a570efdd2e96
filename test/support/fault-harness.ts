/**
 * Shared pieces of the fault and security tests: a sync through an extractor whose
 * Graph config (timeouts, retry policy, limiter scale) the test chooses, a row-by-row
 * warehouse comparison that names the table and key on failure, and a dump of every
 * text-like column of schema teams for "this string never reached the database" checks.
 */
import { sql, type Kysely } from "kysely";
import type { Database } from "../../src/load/index.ts";

export { syncTuned, type GraphTuning } from "./sim-warehouse.ts";
export { expectWarehouse } from "./warehouse-snapshot.ts";

export interface FailureRow {
  user_id: string | null;
  stream: string;
  http_status: number | null;
  error: string;
}

export async function failuresOf(
  db: Kysely<Database>,
  runId: number | null,
): Promise<FailureRow[]> {
  const { rows } = await sql<FailureRow>`
    select user_id, stream, http_status, error from teams.sync_failures
    where run_id = ${runId ?? -1} order by id`.execute(db);
  return rows;
}

/** `stream user -> watermark_raw` for every stored watermark. */
export async function watermarks(db: Kysely<Database>): Promise<Record<string, string>> {
  const { rows } = await sql<{ stream: string; user_id: string; watermark_raw: string }>`
    select stream, user_id, watermark_raw from teams.sync_watermarks`.execute(db);
  return Object.fromEntries(rows.map((r) => [`${r.stream} ${r.user_id}`, r.watermark_raw]));
}

export interface TextCell {
  readonly table: string;
  readonly column: string;
  readonly value: string;
}

/**
 * Every value of every text-like column (text, varchar, json, jsonb, arrays, ...) of every
 * table in schema teams, as text: where a leaked secret would have to be.
 */
export async function dumpTextColumns(db: Kysely<Database>): Promise<TextCell[]> {
  const { rows: columns } = await sql<{ table_name: string; column_name: string }>`
    select table_name, column_name from information_schema.columns
    where table_schema = 'teams'
      and (data_type in ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY', 'USER-DEFINED'))
    order by table_name, ordinal_position`.execute(db);
  const cells: TextCell[] = [];
  for (const { table_name: table, column_name: column } of columns) {
    const { rows } = await sql<{ v: string }>`
      select ${sql.ref(column)}::text as v from ${sql.table(`teams.${table}`)}
      where ${sql.ref(column)} is not null`.execute(db);
    for (const r of rows) cells.push({ table, column, value: r.v });
  }
  return cells;
}

/** The cells that contain `needle` (an empty list is what a secrecy test expects). */
export function cellsContaining(cells: readonly TextCell[], needle: string): string[] {
  return cells
    .filter((c) => c.value.includes(needle))
    .map((c) => `teams.${c.table}.${c.column}: ${c.value.slice(0, 200)}`);
}

/** One request as the client saw it (same process and clock as an in-process simulator). */
export interface ClientRequest {
  readonly path: string;
  readonly startedAtMs: number;
  receivedAtMs: number;
  status: number;
  /** Retry-After in ms as the client read it, when there was one. */
  retryAfterMs: number | null;
}

/** A fetch that records when each request left and when its answer came back. */
export function recordingFetch(): { fetch: typeof fetch; requests: ClientRequest[] } {
  const requests: ClientRequest[] = [];
  const recording: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const entry: ClientRequest = {
      path: url.pathname,
      startedAtMs: performance.now(),
      receivedAtMs: Infinity,
      status: 0,
      retryAfterMs: null,
    };
    requests.push(entry);
    const response = await fetch(input, init);
    entry.receivedAtMs = performance.now();
    entry.status = response.status;
    const retryAfter = response.headers.get("retry-after");
    entry.retryAfterMs = retryAfter === null ? null : Number(retryAfter) * 1000;
    return response;
  };
  return { fetch: recording, requests };
}
