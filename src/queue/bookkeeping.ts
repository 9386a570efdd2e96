import type { Kysely } from "kysely";
import { DatabaseError } from "../errors.ts";
import { withRetry, type Database } from "../load/index.ts";
import { WAREHOUSE_RETRY } from "../sync/pg-warehouse.ts";
import type { WorkContext } from "./work-context.ts";

/**
 * A transaction of a job's own bookkeeping (its attempt, the plan, the jobs it queues),
 * retried through transient database errors as every warehouse operation is. Each is
 * idempotent: attempt rows are keyed by their attempt, plans are written once, jobs are
 * queued under keys.
 */
export async function bookkeeping<T>(
  ctx: WorkContext,
  what: string,
  fn: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  try {
    return await withRetry(() => ctx.db.transaction().execute(fn), WAREHOUSE_RETRY, undefined, {
      onRetry: (error, attempt, delayMs) =>
        ctx.logger.warn(
          { operation: what, sqlState: error.sqlState ?? null, attempt, delayMs },
          `database: ${what} failed, retrying in ${delayMs} ms`,
        ),
    });
  } catch (error) {
    if (error instanceof DatabaseError) throw error;
    throw new DatabaseError(
      `database: ${what}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error, retryable: false },
    );
  }
}
