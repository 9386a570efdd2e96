/**
 * Moves async operations along their plans as simulated time passes, or on demand.
 * Called before every request and on `advanceTime`, so what a client polls always
 * reflects the clock.
 */
import type { TeamsAsyncOperationStatus } from "@microsoft/microsoft-graph-types";
import { OPERATION_ERROR } from "../generate/operations.ts";
import { formatGraphTime } from "../graph-time.ts";
import type { SimOperation } from "../model.ts";
import { badRequest, notFound } from "../sim-error.ts";
import type { ChatEntry, TenantStore } from "./store.ts";

export function applyDuePlans(store: TenantStore): void {
  const now = store.clock.nowMs();
  if (store.plans.length === 0 || now < store.nextPlanDueMs) return;
  for (let i = store.plans.length - 1; i >= 0; i--) {
    const plan = store.plans[i];
    if (!plan) continue;
    while (plan.steps.length > 0 && (plan.steps[0]?.atMs ?? Infinity) <= now) {
      const step = plan.steps.shift();
      const entry = store.findChat(plan.chatId);
      const operation = entry?.state.operations.find((op) => op.id === plan.operationId);
      if (step && entry && operation) transition(store, entry, operation, step.status, step.atMs);
    }
    if (plan.steps.length === 0) store.plans.splice(i, 1);
  }
  store.nextPlanDueMs = store.plans.reduce(
    (min, p) => Math.min(min, p.steps[0]?.atMs ?? Infinity),
    Infinity,
  );
}

const NEXT: Partial<Record<TeamsAsyncOperationStatus, TeamsAsyncOperationStatus>> = {
  notStarted: "inProgress",
  inProgress: "succeeded",
};

/** Moves one operation to `status` (default: its next status) now, dropping its plan. */
export function progressOperation(
  store: TenantStore,
  chatId: string,
  operationId: string,
  status?: TeamsAsyncOperationStatus,
): SimOperation {
  const entry = store.requireChat(chatId);
  const operation = entry.state.operations.find((op) => op.id === operationId);
  if (!operation) throw notFound(`Operation '${operationId}'`);
  const target = status ?? NEXT[operation.status];
  if (!target)
    throw badRequest(
      `Operation '${operationId}' is ${operation.status}; give the status to move it to.`,
    );
  const planIndex = store.plans.findIndex(
    (p) => p.operationId === operationId && p.chatId === chatId,
  );
  if (planIndex >= 0) store.plans.splice(planIndex, 1);
  transition(store, entry, operation, target, store.eventMs());
  return operation;
}

function transition(
  store: TenantStore,
  entry: ChatEntry,
  operation: SimOperation,
  status: TeamsAsyncOperationStatus,
  atMs: number,
): void {
  operation.status = status;
  operation.lastActionDateTime = formatGraphTime(atMs, 7, store.rng.digits(4));
  if (status === "inProgress" || status === "succeeded" || status === "failed") {
    operation.attemptsCount = Math.max(1, operation.attemptsCount);
  }
  operation.error = status === "failed" ? { ...OPERATION_ERROR } : null;
  if (status === "succeeded") {
    operation.targetResourceId = entry.state.id;
    operation.targetResourceLocation = `/chats('${entry.state.id}')`;
    for (const appId of appIdsOf(operation)) {
      if (!entry.state.installedAppIds.includes(appId)) entry.state.installedAppIds.push(appId);
    }
  }
  entry.version++;
}

function appIdsOf(operation: SimOperation): string[] {
  if (operation.operationType !== "createChat" || operation.values === null) return [];
  try {
    const parsed: unknown = JSON.parse(operation.values);
    if (
      typeof parsed === "object" &&
      parsed !== null &&
      "appIds" in parsed &&
      Array.isArray(parsed.appIds)
    ) {
      return parsed.appIds.filter((id): id is string => typeof id === "string");
    }
  } catch {
    // `values` is undocumented and opaque; an unreadable one installs nothing.
  }
  return [];
}
