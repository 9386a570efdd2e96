import { sql, type Kysely } from "kysely";
import { fencedTransaction, type RunFence } from "./run-fence.ts";
import type { Database } from "./schema.ts";

export interface SweepResult {
  /** Chats newly marked deleted. */
  readonly deleted: number;
  /** Chats marked deleted before that some user lists again. */
  readonly restored: number;
}

/**
 * Run once at the end of a run, after every user's transaction: a chat with no active
 * user_chats row left (gone from every synced user's complete listing) gets
 * deleted_at = at; a deleted chat with an active row again gets it cleared. Done per
 * user it would race: a user's transaction cannot see another's uncommitted rows.
 * user_chats rows are only removed after a complete listing, so a failed user keeps
 * its chats alive. With a fence, the transaction first checks the run still holds its lock.
 */
export async function markDeletedChats(
  db: Kysely<Database>,
  at: Date,
  options: { readonly fence?: RunFence } = {},
): Promise<SweepResult> {
  return fencedTransaction(db, options.fence, async (trx) => {
    const { rows: deleted } = await sql<{ n: number }>`
      with marked as (
        update teams.chats c set deleted_at = ${at}::timestamptz
        where c.deleted_at is null
          and not exists (
            select 1 from teams.user_chats u where u.chat_id = c.chat_id and u.removed_at is null)
        returning 1
      )
      select count(*)::int as n from marked`.execute(trx);
    const { rows: restored } = await sql<{ n: number }>`
      with cleared as (
        update teams.chats c set deleted_at = null
        where c.deleted_at is not null
          and exists (
            select 1 from teams.user_chats u where u.chat_id = c.chat_id and u.removed_at is null)
        returning 1
      )
      select count(*)::int as n from cleared`.execute(trx);
    return { deleted: deleted[0]?.n ?? 0, restored: restored[0]?.n ?? 0 };
  });
}
