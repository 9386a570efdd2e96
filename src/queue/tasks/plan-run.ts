import type { Task } from "graphile-worker";
import { planRun, runningWorkersRun } from "../../load/index.ts";
import { pgWarehouse } from "../../sync/pg-warehouse.ts";
import { openRun, selectRunUsers, type RunDeps } from "../../sync/run-sync.ts";
import { addJobInTransaction } from "../add-job.ts";
import { bookkeeping } from "../bookkeeping.ts";
import { batchJobKey, TASKS, tenantQueue } from "../names.ts";
import { parsePayload, runRequestSchema, syncOptionsOf, type BatchPayload } from "../payloads.ts";
import { withTenantLock } from "../tenant-lock.ts";
import type { WorkContext } from "../work-context.ts";
import { queueFinish } from "./sync-batch.ts";

/**
 * A tenant's run, planned: opens its record (or adopts the one an earlier attempt opened
 * before it died), lists its users, and in one transaction records the plan and queues a
 * batch job per `batchUsers` users. A tenant with a run already planned and in progress
 * is not run twice: the request is dropped with a warning. Once the job's attempts are
 * spent, a run that could not be planned is closed as failed with the error.
 */
export function planRunTask(ctx: WorkContext): Task {
  return async (raw, helpers) => {
    const request = parsePayload(runRequestSchema, raw, TASKS.plan);
    const { tenant } = request;
    const logger = ctx.logger.child({ tenant, job: helpers.job.id });
    let opened: { deps: RunDeps; runId: number } | null = null;
    try {
      await withTenantLock(ctx, tenant, helpers.abortSignal, async (lock) => {
        const running = await runningWorkersRun(ctx.db, tenant);
        if (running && running.jobsTotal !== null) {
          logger.warn(
            { runId: running.runId },
            `tenant ${tenant} has run #${running.runId} in progress: this request is dropped`,
          );
          return;
        }
        const options = syncOptionsOf(request);
        const deps: RunDeps = {
          graph: ctx.graph(tenant),
          warehouse: pgWarehouse(ctx.db, { logger, fence: lock, tenant }),
          logger,
          signal: AbortSignal.any([helpers.abortSignal, lock.lost]),
          ...(ctx.now ? { now: ctx.now } : {}),
        };
        const runId = running?.runId ?? (await openRun(deps, options, "workers")).runId;
        opened = { deps, runId };
        const users = await selectRunUsers(deps, options, runId);
        const batches: string[][] = [];
        for (let i = 0; i < users.ids.length; i += request.batchUsers) {
          batches.push(users.ids.slice(i, i + request.batchUsers));
        }
        await bookkeeping(ctx, "plan the run", async (trx) => {
          const planned = await planRun(trx, runId, {
            jobsTotal: batches.length,
            usersTotal: users.ids.length + users.unresolved,
          });
          if (!planned) return;
          for (const [batch, ids] of batches.entries()) {
            const payload: BatchPayload = { request, runId, batch, users: ids };
            await addJobInTransaction(trx, {
              task: TASKS.batch,
              payload,
              queueName: tenantQueue(tenant),
              jobKey: batchJobKey(runId, batch),
              maxAttempts: request.maxAttempts,
            });
          }
          if (batches.length === 0) await queueFinish(trx, request, runId);
        });
        logger.info(
          { runId, users: users.ids.length, unresolved: users.unresolved, batches: batches.length },
          `run #${runId} of tenant ${tenant} planned`,
        );
      });
    } catch (error) {
      const spent = helpers.job.attempts >= helpers.job.max_attempts;
      const run = opened as { deps: RunDeps; runId: number } | null;
      if (spent && run) {
        const message = error instanceof Error ? error.message : String(error);
        await run.deps.warehouse
          .finishRun(run.runId, "failed", NO_COUNTS, `the run could not be planned: ${message}`)
          .catch((cause: unknown) => logger.error({ err: cause }, "could not close the run"));
      }
      throw error;
    }
  };
}

const NO_COUNTS = {
  usersTotal: 0,
  usersSucceeded: 0,
  usersFailed: 0,
  chatsSeen: 0,
  requests: 0,
  throttled: 0,
  rowsWritten: 0,
  rejects: 0,
};
