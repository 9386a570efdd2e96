/**
 * teamsAsyncOperation on the wire. Enum members declared after `unknownFutureValue`
 * (teamifyGroup, createChannel, ..., createChat) are sent as `unknownFutureValue`
 * unless the client asked for them with `Prefer: include-unknown-enum-members`.
 */
import type { TeamsAsyncOperation } from "@microsoft/microsoft-graph-types";
import { OPERATION_TYPES, type SimOperation } from "../model.ts";

export type OperationWire = Omit<TeamsAsyncOperation, "operationType"> & {
  operationType: string;
  values: string | null;
};

const UNKNOWN_INDEX = OPERATION_TYPES.indexOf("unknownFutureValue");

export function operationJson(
  operation: SimOperation,
  includeUnknownEnumMembers: boolean,
): OperationWire {
  const evolvable = OPERATION_TYPES.indexOf(operation.operationType) > UNKNOWN_INDEX;
  return {
    id: operation.id,
    operationType:
      evolvable && !includeUnknownEnumMembers ? "unknownFutureValue" : operation.operationType,
    createdDateTime: operation.createdDateTime,
    status: operation.status,
    lastActionDateTime: operation.lastActionDateTime,
    attemptsCount: operation.attemptsCount,
    targetResourceId: operation.targetResourceId,
    targetResourceLocation: operation.targetResourceLocation,
    values: operation.values,
    error: operation.error,
  };
}

/** True when the `Prefer` header asks for evolvable enum members. */
export function wantsUnknownEnumMembers(prefer: string | string[] | undefined): boolean {
  const values = Array.isArray(prefer) ? prefer : prefer === undefined ? [] : [prefer];
  return values.some((v) =>
    v.split(",").some((p) => p.trim().toLowerCase() === "include-unknown-enum-members"),
  );
}
