/**
 * The names a run of the workers goes by in graphile-worker: its three tasks, the queue
 * of each tenant (graphile-worker runs a named queue's jobs one at a time across every
 * worker process: one job of a tenant at a time, under that tenant's Graph budget), and
 * the job keys that keep a tenant from being queued twice.
 */
export const TASKS = Object.freeze({
  /** Lists the tenant's users, opens the run and queues its batches. */
  plan: "teams_chat_sync_plan",
  /** Syncs one batch of a run's users. */
  batch: "teams_chat_sync_batch",
  /** Sweeps deleted chats and closes the run, once its batches are all done or given up. */
  finish: "teams_chat_sync_finish",
});

export type TaskName = (typeof TASKS)[keyof typeof TASKS];

const PREFIX = "teams-chat-sync";

/** What every tenant queue's name starts with (the tenant's name follows). */
export const TENANT_QUEUE_PREFIX = `${PREFIX}/tenant/`;

export function tenantQueue(tenant: string): string {
  return `${TENANT_QUEUE_PREFIX}${tenant}`;
}

/** The tenant's next run: queued again while it waits, the request replaces the queued one. */
export function planJobKey(tenant: string): string {
  return `${PREFIX}/plan/${tenant}`;
}

export function batchJobKey(runId: number, batch: number): string {
  return `${PREFIX}/run/${runId}/batch/${batch}`;
}

export function finishJobKey(runId: number): string {
  return `${PREFIX}/run/${runId}/finish`;
}
