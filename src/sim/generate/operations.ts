/**
 * Teams async operations on chats (beta). Generated ones cover every status; a
 * non-terminal one may carry a plan of future transitions that the tenant applies as the
 * simulated clock passes them (some stay stuck, as real ones do).
 */
import type { TeamsAsyncOperationStatus } from "@microsoft/microsoft-graph-types";
import type { SimOperation, SimOperationType } from "../model.ts";
import type { Prng } from "../random.ts";
import { formatGraphTime, randomGraphTime } from "../graph-time.ts";
import { operationId } from "./ids.ts";

export interface OperationStep {
  readonly atMs: number;
  readonly status: TeamsAsyncOperationStatus;
}

/** Future transitions of one operation, applied in order once the clock reaches them. */
export interface OperationPlan {
  readonly chatId: string;
  readonly operationId: string;
  readonly steps: OperationStep[];
}

export const OPERATION_STATUSES = [
  "notStarted",
  "inProgress",
  "succeeded",
  "failed",
  "invalid",
  "unknownFutureValue",
] as const satisfies readonly TeamsAsyncOperationStatus[];

const TYPE_WEIGHTS: Partial<Record<SimOperationType, number>> = {
  createChat: 45,
  teamifyGroup: 12,
  createTeam: 8,
  invalid: 5,
  cloneTeam: 5,
  archiveTeam: 5,
  createChannel: 8,
  unknownFutureValue: 4,
  unarchiveChannel: 4,
};

export const OPERATION_ERROR = {
  code: "InternalServerError",
  message: "Failed to install the app in the chat.",
};

export function generateOperation(
  rng: Prng,
  tenantId: string,
  chatId: string,
  status: TeamsAsyncOperationStatus,
  appIds: readonly string[],
  createdMs: number,
  nowMs: number,
): { operation: SimOperation; plan: OperationPlan | null } {
  const type = rng.weighted(TYPE_WEIGHTS);
  const startMs = createdMs + rng.next() * (nowMs - createdMs);
  const lastMs =
    status === "notStarted" ? startMs : Math.min(nowMs, startMs + rng.int(500, 120_000));
  const id = operationId(tenantId, rng);
  const done = status === "succeeded";
  const createdDateTime = randomGraphTime(rng, startMs);
  const operation: SimOperation = {
    id,
    operationType: type,
    status,
    createdDateTime,
    // A not-started operation has not acted yet: its last action is its creation.
    lastActionDateTime:
      status === "notStarted"
        ? createdDateTime
        : randomGraphTime(rng, Math.max(lastMs, startMs + 1)),
    attemptsCount: status === "notStarted" ? 0 : status === "failed" ? rng.int(1, 3) : 1,
    targetResourceId: done || rng.chance(0.5) ? chatId : null,
    targetResourceLocation: done || rng.chance(0.5) ? `/chats('${chatId}')` : null,
    values: rng.chance(0.6) ? JSON.stringify({ appIds: [rng.pick(appIds)] }) : null,
    error: status === "failed" ? { ...OPERATION_ERROR } : null,
  };
  let plan: OperationPlan | null = null;
  if ((status === "notStarted" || status === "inProgress") && rng.chance(0.6)) {
    const steps: OperationStep[] = [];
    if (status === "notStarted")
      steps.push({ atMs: nowMs + rng.int(5, 60) * 1000, status: "inProgress" });
    steps.push({
      atMs: nowMs + rng.int(61, 300) * 1000,
      status: rng.chance(0.8) ? "succeeded" : "failed",
    });
    plan = { chatId, operationId: id, steps };
  }
  return { operation, plan };
}

/** The operation `POST /chats` with `installedApps` starts: notStarted, then runs. */
export function createChatOperation(
  rng: Prng,
  tenantId: string,
  chatId: string,
  appIds: readonly string[],
  nowMs: number,
  timings: { readonly startAfterMs: number; readonly completeAfterMs: number },
): { operation: SimOperation; plan: OperationPlan } {
  const id = operationId(tenantId, rng);
  const now = formatGraphTime(nowMs, 7, rng.digits(4));
  return {
    operation: {
      id,
      operationType: "createChat",
      status: "notStarted",
      createdDateTime: now,
      lastActionDateTime: now,
      attemptsCount: 0,
      targetResourceId: chatId,
      targetResourceLocation: `/chats('${chatId}')`,
      values: JSON.stringify({ appIds }),
      error: null,
    },
    plan: {
      chatId,
      operationId: id,
      steps: [
        { atMs: nowMs + timings.startAfterMs, status: "inProgress" },
        { atMs: nowMs + timings.completeAfterMs, status: "succeeded" },
      ],
    },
  };
}
