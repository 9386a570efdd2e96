import type { Kysely } from "kysely";
import { makeWorkerUtils } from "graphile-worker";
import { runningWorkersRun, type Database } from "../load/index.ts";
import { planJobKey, TASKS, tenantQueue } from "./names.ts";
import type { RunRequest } from "./payloads.ts";

export type EnqueueOutcome =
  | { readonly tenant: string; readonly queued: true; readonly jobId: string }
  | {
      readonly tenant: string;
      readonly queued: false;
      readonly runId: number;
      readonly reason: string;
    };

/**
 * Queues a run of each tenant (its plan job, in the tenant's queue, under the tenant's
 * plan key: a request queued again while the first waits replaces it). A tenant with a
 * run of the workers in progress is not queued; the plan job checks that again when it
 * runs, under the tenant's lock.
 */
export async function enqueueRuns(
  db: Kysely<Database>,
  databaseUrl: string,
  requests: readonly RunRequest[],
): Promise<EnqueueOutcome[]> {
  const utils = await makeWorkerUtils({ connectionString: databaseUrl });
  try {
    await utils.migrate();
    const outcomes: EnqueueOutcome[] = [];
    for (const request of requests) {
      const running = await runningWorkersRun(db, request.tenant);
      if (running) {
        outcomes.push({
          tenant: request.tenant,
          queued: false,
          runId: running.runId,
          reason: `run #${running.runId} of tenant ${request.tenant} is in progress`,
        });
        continue;
      }
      const job = await utils.addJob(TASKS.plan, request, {
        queueName: tenantQueue(request.tenant),
        jobKey: planJobKey(request.tenant),
        maxAttempts: request.maxAttempts,
      });
      outcomes.push({ tenant: request.tenant, queued: true, jobId: String(job.id) });
    }
    return outcomes;
  } finally {
    await utils.release();
  }
}
