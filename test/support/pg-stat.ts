/** Postgres' own write counters, to prove what a run did (or did not) write. */
import { sql, type Kysely } from "kysely";
import type { Database } from "../../src/load/index.ts";

export type WriteCounters = Record<string, { ins: number; upd: number; del: number }>;

/**
 * Table write counters from pg_stat_user_tables. Since PG 15 a backend publishes its
 * counters when it goes idle, at most once a second unless pg_stat_force_next_flush()
 * asked for the next one, so call this on the single connection that did the writes;
 * the reading transaction caches a stats snapshot, hence pg_stat_clear_snapshot().
 */
export async function writeCounters(
  db: Kysely<Database>,
  tables: readonly string[],
): Promise<WriteCounters> {
  const { rows: version } = await sql<{ v: number }>`
    select current_setting('server_version_num')::int as v`.execute(db);
  if ((version[0]?.v ?? 0) >= 150_000) {
    await sql`select pg_stat_force_next_flush()`.execute(db);
  } else {
    await new Promise((resolve) => setTimeout(resolve, 1_500));
  }
  await sql`select pg_stat_clear_snapshot()`.execute(db);
  const { rows } = await sql<{ relname: string; ins: number; upd: number; del: number }>`
    select relname, n_tup_ins::int as ins, n_tup_upd::int as upd, n_tup_del::int as del
    from pg_stat_user_tables where schemaname = 'teams'`.execute(db);
  return Object.fromEntries(
    tables.map((t) => {
      const r = rows.find((row) => row.relname === t);
      return [t, { ins: r?.ins ?? 0, upd: r?.upd ?? 0, del: r?.del ?? 0 }];
    }),
  );
}

export function counterDelta(before: WriteCounters, after: WriteCounters): WriteCounters {
  return Object.fromEntries(
    Object.keys(after).map((t) => [
      t,
      {
        ins: (after[t]?.ins ?? 0) - (before[t]?.ins ?? 0),
        upd: (after[t]?.upd ?? 0) - (before[t]?.upd ?? 0),
        del: (after[t]?.del ?? 0) - (before[t]?.del ?? 0),
      },
    ]),
  );
}
