import { hostname } from "node:os";
import type { Task } from "graphile-worker";
import type { Kysely } from "kysely";
import {
  addRunBatch,
  finalBatchStatus,
  recordBatchAttempt,
  runProgress,
  succeededUsers,
  usersWithoutOutcome,
  type BatchAttempt,
  type Database,
} from "../../load/index.ts";
import { pgWarehouse } from "../../sync/pg-warehouse.ts";
import { syncUserBatch, type RunSummary } from "../../sync/run-sync.ts";
import { addJobInTransaction } from "../add-job.ts";
import { bookkeeping } from "../bookkeeping.ts";
import { JobBudget, DEFAULT_JOB_BUDGET_MS } from "../job-budget.ts";
import { batchJobKey, finishJobKey, TASKS, tenantQueue } from "../names.ts";
import {
  batchPayloadSchema,
  parsePayload,
  syncOptionsOf,
  type BatchPayload,
  type FinishPayload,
  type RunRequest,
} from "../payloads.ts";
import { withTenantLock } from "../tenant-lock.ts";
import type { WorkContext } from "../work-context.ts";

type AttemptCounts = Pick<
  BatchAttempt,
  | "users"
  | "usersSucceeded"
  | "usersFailed"
  | "chatsSeen"
  | "requests"
  | "throttled"
  | "rowsWritten"
  | "rejects"
>;

const NOTHING: AttemptCounts = {
  users: 0,
  usersSucceeded: 0,
  usersFailed: 0,
  chatsSeen: 0,
  requests: 0,
  throttled: 0,
  rowsWritten: 0,
  rejects: 0,
};

/** The batch stopped on a fatal error: what its attempt did before, for the attempt's row. */
class BatchStopped extends Error {
  constructor(
    message: string,
    readonly counts: AttemptCounts,
  ) {
    super(message);
  }
}

/**
 * One batch of a run's users (see syncUserBatch), under the tenant's run lock. The users
 * an earlier attempt committed are skipped, so a retry after a crash or a fatal error
 * goes on where it stopped. The attempt's row is written in its last transaction, and
 * the attempt that makes every batch of the run final queues the run's finish in that
 * same transaction. A fatal error (Graph's token refused, the database gone) throws:
 * graphile-worker retries the job with backoff, and once its attempts are spent the job
 * stays failed with the error, and the batch is given up (the run still finishes). A
 * batch that spends its time budget (JobBudget) is done with the users it finished, and
 * hands the rest to a new batch of the run, queued in the same transaction.
 */
export function syncBatchTask(ctx: WorkContext): Task {
  return async (raw, helpers) => {
    const { request, runId, batch, users } = parsePayload(batchPayloadSchema, raw, TASKS.batch);
    const logger = ctx.logger.child({ tenant: request.tenant, runId, batch, job: helpers.job.id });
    const attempt = {
      runId,
      batch,
      attempt: helpers.job.attempts,
      jobId: String(helpers.job.id),
      workerId: helpers.job.locked_by,
      host: hostname(),
      pid: process.pid,
      startedAt: new Date(),
    };
    try {
      await withTenantLock(ctx, request.tenant, helpers.abortSignal, async (lock) => {
        const progress = await runProgress(ctx.db, runId);
        if (progress?.status !== "running") {
          logger.warn(
            { status: progress?.status ?? null },
            "the run is not running: nothing to do",
          );
          return;
        }
        if ((await finalBatchStatus(ctx.db, runId, batch)) !== null) {
          logger.info({}, "the batch was completed by an earlier attempt");
          return;
        }
        const done = await succeededUsers(ctx.db, runId);
        const todo = users.filter((id) => !done.has(id));
        const budget = new JobBudget(ctx.jobBudgetMs ?? DEFAULT_JOB_BUDGET_MS);
        const summary = await syncUserBatch(
          {
            graph: ctx.graph(request.tenant),
            warehouse: pgWarehouse(ctx.db, { logger, fence: lock, tenant: request.tenant }),
            logger,
            signal: AbortSignal.any([helpers.abortSignal, lock.lost, budget.signal]),
            progress: budget.progress,
            ...(ctx.now ? { now: ctx.now } : {}),
          },
          syncOptionsOf(request),
          runId,
          todo,
        ).finally(() => budget.clear());
        const counts = countsOf(summary);
        const stoppedByBudget = budget.spent && !helpers.abortSignal.aborted && !lock.lost.aborted;
        const rest = stoppedByBudget ? await usersWithoutOutcome(ctx.db, runId, todo) : [];
        if (summary.fatal !== null && rest.length === 0) {
          throw new BatchStopped(summary.fatal, counts);
        }
        await completeAttempt(
          ctx,
          request,
          // The users it went through: those it handed over are the new batch's.
          { ...attempt, ...counts, users: todo.length - rest.length, status: "done", error: null },
          rest,
        );
        if (rest.length > 0) {
          logger.info(
            { users: todo.length - rest.length, handedOver: rest.length },
            "batch's time budget spent: its remaining users go to a new batch",
          );
          return;
        }
        logger.info(
          { users: todo.length, skipped: users.length - todo.length, failed: summary.users.failed },
          "batch done",
        );
      });
    } catch (error) {
      const last = helpers.job.attempts >= helpers.job.max_attempts;
      const message = error instanceof Error ? error.message : String(error);
      await completeAttempt(ctx, request, {
        ...attempt,
        ...(error instanceof BatchStopped ? error.counts : NOTHING),
        status: last ? "failed" : "retrying",
        error: message,
      }).catch((cause: unknown) =>
        logger.error({ err: cause }, "could not record the attempt's failure"),
      );
      logger.warn(
        { attempt: helpers.job.attempts, maxAttempts: helpers.job.max_attempts, error: message },
        last ? "batch given up: its attempts are spent" : "batch failed; it runs again later",
      );
      throw error;
    }
  };
}

function countsOf(summary: RunSummary): AttemptCounts {
  return {
    users: summary.users.total,
    usersSucceeded: summary.users.succeeded,
    usersFailed: summary.users.failed,
    chatsSeen: summary.chats,
    requests: summary.requests,
    throttled: summary.throttled,
    rowsWritten: summary.rowsWritten.inserted + summary.rowsWritten.updated,
    rejects: summary.rejects,
  };
}

/**
 * The attempt's row, and, when it makes the run's last batch final, the run's finish
 * queued in the same transaction (the run's row locked first, so that of two attempts
 * completing at once exactly one sees the run complete). Users `handOver` go to a new
 * batch of the run, added and queued in that same transaction.
 */
export async function completeAttempt(
  ctx: WorkContext,
  request: RunRequest,
  attempt: BatchAttempt,
  handOver: readonly string[] = [],
): Promise<void> {
  await bookkeeping(ctx, "record the batch's attempt", async (trx) => {
    const recorded = await recordBatchAttempt(trx, attempt);
    if (attempt.status === "retrying") return;
    if (handOver.length > 0 && recorded) {
      const batch = await addRunBatch(trx, attempt.runId);
      const payload: BatchPayload = { request, runId: attempt.runId, batch, users: [...handOver] };
      await addJobInTransaction(trx, {
        task: TASKS.batch,
        payload,
        queueName: tenantQueue(request.tenant),
        jobKey: batchJobKey(attempt.runId, batch),
        maxAttempts: request.maxAttempts,
      });
    }
    const progress = await runProgress(trx, attempt.runId, { lock: true });
    if (progress?.status !== "running" || progress.jobsTotal === null) return;
    if (progress.done + progress.failed < progress.jobsTotal) return;
    await queueFinish(trx, request, attempt.runId);
  });
}

export async function queueFinish(
  trx: Kysely<Database>,
  request: RunRequest,
  runId: number,
): Promise<void> {
  const payload: FinishPayload = { request, runId };
  await addJobInTransaction(trx, {
    task: TASKS.finish,
    payload,
    queueName: tenantQueue(request.tenant),
    jobKey: finishJobKey(runId),
    maxAttempts: request.maxAttempts,
  });
}
