import { sql, type Kysely } from "kysely";
import type { Database } from "./schema.ts";

/** The warehouse's data tables (what a sync writes; bookkeeping tables aside). */
export const DATA_TABLES = [
  "chats",
  "chat_members",
  "user_chats",
  "message_previews",
  "chat_operations",
  "chat_messages",
  "chat_message_mentions",
  "chat_message_reactions",
  "chat_message_attachments",
] as const;
export type DataTable = (typeof DATA_TABLES)[number];

/**
 * The columns the loader's statements look rows up by (keys, the removal markers): only
 * they are analyzed, which spares sampling the raw JSON, most of a whole-table ANALYZE's
 * time (docs/decisions.md). Autovacuum still analyzes whole tables later: a column list
 * does not reset its change counter.
 */
const LOOKUP_COLUMNS: Record<DataTable, readonly string[]> = {
  chats: ["chat_id", "deleted_at"],
  chat_members: ["chat_id", "membership_id", "removed_at"],
  user_chats: ["user_id", "chat_id", "removed_at"],
  message_previews: ["chat_id", "message_id"],
  chat_operations: ["operation_id", "chat_id"],
  chat_messages: ["chat_id", "message_id"],
  chat_message_mentions: ["chat_id", "message_id"],
  chat_message_reactions: ["chat_id", "message_id"],
  chat_message_attachments: ["chat_id", "message_id"],
};

/** No ANALYZE before a table has gained this many rows (small runs never pay for one). */
export const ANALYZE_MIN_ROWS = 1_000;

/**
 * Keeps Postgres' planner statistics in step with the tables a run grows.
 *
 * A first backfill fills an empty warehouse in minutes, faster than autovacuum's analyze
 * follows (it looks once a minute, then waits for 10% of the rows to change). Until it
 * does, Postgres plans the loader's key lookups with the estimates of an empty table and
 * picks sequential scans, whose cost grows with the table (docs/decisions.md). So a
 * table is analyzed whenever this process has inserted as many rows into it as it held
 * at its last analyze (and at least ANALYZE_MIN_ROWS): a handful of ANALYZEs per table in
 * a backfill, none in a nightly run that adds a few rows.
 *
 * ANALYZE runs after the load's commit, outside any transaction, and takes no lock that
 * blocks writers. Its failure costs only speed: reported through `onError`, never thrown
 * (the rows it follows are committed). Without the table's ownership Postgres skips it
 * with a warning.
 */
export class TableStatistics {
  readonly #db: Kysely<Database>;
  readonly #onError: (error: unknown) => void;
  /** Rows each table held at its last analyze (as estimated by Postgres at first). */
  #analyzedAt: Promise<Map<DataTable, number>> | null = null;
  readonly #insertedSince = new Map<DataTable, number>();
  readonly #analyzing = new Set<DataTable>();

  constructor(db: Kysely<Database>, onError: (error: unknown) => void = () => undefined) {
    this.#db = db;
    this.#onError = onError;
  }

  /** Counts rows a committed load inserted; analyzes the tables that doubled since. */
  /** After a load: the rows it inserted, per table. */
  async inserted(
    tables: Readonly<Partial<Record<DataTable, { readonly inserted: number }>>>,
  ): Promise<void> {
    const rows = (table: DataTable): number => tables[table]?.inserted ?? 0;
    if (!DATA_TABLES.some((table) => rows(table) > 0)) return;
    try {
      this.#analyzedAt ??= readRowEstimates(this.#db);
      const analyzedAt = await this.#analyzedAt;
      for (const table of DATA_TABLES) {
        const since = (this.#insertedSince.get(table) ?? 0) + rows(table);
        this.#insertedSince.set(table, since);
        const held = analyzedAt.get(table) ?? 0;
        if (since < Math.max(ANALYZE_MIN_ROWS, held) || this.#analyzing.has(table)) continue;
        this.#analyzing.add(table);
        this.#insertedSince.set(table, 0);
        try {
          const columns = LOOKUP_COLUMNS[table].map((c) => sql.ref(c));
          await sql`analyze ${sql.table(`teams.${table}`)} (${sql.join(columns)})`.execute(
            this.#db,
          );
          analyzedAt.set(table, held + since);
        } finally {
          this.#analyzing.delete(table);
        }
      }
    } catch (error) {
      this.#analyzedAt = null;
      this.#onError(error);
    }
  }
}

/** Postgres' own row estimates (pg_class.reltuples; -1, never analyzed, counts as 0). */
async function readRowEstimates(db: Kysely<Database>): Promise<Map<DataTable, number>> {
  const { rows } = await sql<{ table: DataTable; rows: number }>`
    select c.relname as table, greatest(c.reltuples, 0)::float8 as rows
    from pg_class c
    where c.relnamespace = 'teams'::regnamespace
      and c.relname = any(${[...DATA_TABLES]}::text[])`.execute(db);
  return new Map(rows.map((r) => [r.table, Number(r.rows)]));
}
