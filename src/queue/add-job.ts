import { sql, type Kysely } from "kysely";
import type { Database } from "../load/index.ts";
import type { TaskName } from "./names.ts";

/** graphile-worker's schema (its default). */
export const WORKER_SCHEMA = "graphile_worker";

export interface JobSpec {
  readonly task: TaskName;
  readonly payload: unknown;
  readonly queueName: string;
  readonly jobKey: string;
  readonly maxAttempts: number;
}

/**
 * Queues a job through graphile-worker's own SQL function, in the caller's transaction:
 * a job queues its successors in the same commit as the bookkeeping that calls for them,
 * so a crash leaves both or neither. A job with the same key that is still waiting is
 * replaced (graphile-worker's default 'replace' mode), so adding twice queues it once.
 */
export async function addJobInTransaction(trx: Kysely<Database>, spec: JobSpec): Promise<void> {
  await sql`select ${sql.raw(WORKER_SCHEMA)}.add_job(
      identifier => ${spec.task}::text,
      payload => ${JSON.stringify(spec.payload)}::json,
      queue_name => ${spec.queueName}::text,
      max_attempts => ${spec.maxAttempts}::int,
      job_key => ${spec.jobKey}::text)`.execute(trx);
}
