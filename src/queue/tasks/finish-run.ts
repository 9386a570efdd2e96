import type { Task } from "graphile-worker";
import { runProgress, runTotals } from "../../load/index.ts";
import { pgWarehouse } from "../../sync/pg-warehouse.ts";
import { TASKS } from "../names.ts";
import { finishPayloadSchema, parsePayload } from "../payloads.ts";
import { withTenantLock } from "../tenant-lock.ts";
import type { WorkContext } from "../work-context.ts";

/**
 * A run's end, once, after its last batch: the deletion sweep (only when no batch was
 * given up, since the sweep needs every synced user's complete listing), then the run's
 * record closed with counts over all its jobs' attempts. `failed` when a batch was given
 * up, `partial` when users failed, `succeeded` otherwise, as for a run in one process.
 */
export function finishRunTask(ctx: WorkContext): Task {
  return async (raw, helpers) => {
    const { request, runId } = parsePayload(finishPayloadSchema, raw, TASKS.finish);
    const { tenant } = request;
    const logger = ctx.logger.child({ tenant, runId, job: helpers.job.id });
    const now = ctx.now ?? (() => new Date());
    await withTenantLock(ctx, tenant, helpers.abortSignal, async (lock) => {
      const progress = await runProgress(ctx.db, runId);
      if (progress?.status !== "running") {
        logger.info({ status: progress?.status ?? null }, "the run is closed already");
        return;
      }
      const final = progress.done + progress.failed;
      if (progress.jobsTotal === null || final < progress.jobsTotal) {
        throw new Error(
          `run ${runId}: ${final} of ${progress.jobsTotal ?? "?"} batches are done; it cannot finish yet`,
        );
      }
      const warehouse = pgWarehouse(ctx.db, { logger, fence: lock, tenant });
      const deleted = progress.failed === 0 ? await warehouse.markDeletedChats(now()) : 0;
      const totals = await runTotals(ctx.db, runId);
      const status =
        totals.failedBatches.length > 0
          ? "failed"
          : totals.usersFailed > 0
            ? "partial"
            : "succeeded";
      const error =
        totals.failedBatches.length > 0
          ? `${totals.failedBatches.length} of ${progress.jobsTotal} batches given up: ${totals.failedBatches.join("; ")}`
          : null;
      await warehouse.finishRun(runId, status, totals, error);
      logger.info(
        {
          status,
          users: totals.usersTotal,
          failed: totals.usersFailed,
          chatsMarkedDeleted: deleted,
        },
        `run #${runId} of tenant ${tenant} finished: ${status}`,
      );
    });
  };
}
