import { sql, type Kysely } from "kysely";
import { scrubErrorText } from "./scrub-error-text.ts";
import type { Database } from "./schema.ts";

export interface UserRunOutcome {
  readonly chatsSeen: number;
  readonly rowsWritten: number;
}

/** Marks a user done; loadUserRows calls it inside the user's transaction. */
export async function markUserSucceeded(
  db: Kysely<Database>,
  runId: number,
  userId: string,
  outcome: UserRunOutcome,
): Promise<void> {
  const done = {
    status: "succeeded" as const,
    finished_at: sql<Date>`now()`,
    chats_seen: outcome.chatsSeen,
    rows_written: outcome.rowsWritten,
    error: null,
  };
  await db
    .insertInto("teams.sync_run_users")
    .values({ run_id: runId, user_id: userId, ...done })
    .onConflict((oc) => oc.columns(["run_id", "user_id"]).doUpdateSet(done))
    .execute();
}

export async function markUserFailed(
  db: Kysely<Database>,
  runId: number,
  userId: string,
  error: string,
): Promise<void> {
  const failed = {
    status: "failed" as const,
    finished_at: sql<Date>`now()`,
    error: scrubErrorText(error),
  };
  await db
    .insertInto("teams.sync_run_users")
    .values({ run_id: runId, user_id: userId, ...failed })
    .onConflict((oc) => oc.columns(["run_id", "user_id"]).doUpdateSet(failed))
    .execute();
}

/** Users whose results a run committed: what a resumed backfill can skip. */
export async function succeededUsers(db: Kysely<Database>, runId: number): Promise<Set<string>> {
  const rows = await db
    .selectFrom("teams.sync_run_users")
    .select("user_id")
    .where("run_id", "=", runId)
    .where("status", "=", "succeeded")
    .execute();
  return new Set(rows.map((r) => r.user_id));
}
