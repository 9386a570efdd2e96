import { describe, expect, it } from "vitest";
import {
  normalizeOperation,
  type ChatOperationRow,
  type JsonObject,
} from "../../src/normalize/index.ts";
import { accepted, rejected } from "./results.ts";

const CHAT = "19:abc@thread.v2";

function operation(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "op-1",
    operationType: "createChat",
    createdDateTime: "2021-05-27T21:23:41.9085453Z",
    status: "inProgress",
    lastActionDateTime: "2021-05-27T21:23:45.1899277Z",
    attemptsCount: 2,
    targetResourceId: CHAT,
    targetResourceLocation: `/chats('${CHAT}')`,
    values: '{"appIds":["a"]}',
    error: null,
    ...overrides,
  };
}

const BASE_ROW: ChatOperationRow = {
  operation_id: "op-1",
  chat_id: CHAT,
  operation_type: "createChat",
  status: "inProgress",
  created_at: "2021-05-27T21:23:41.9085453Z",
  last_action_at: "2021-05-27T21:23:45.1899277Z",
  attempts_count: 2,
  target_resource_id: CHAT,
  target_resource_location: `/chats('${CHAT}')`,
  error_code: null,
  error_message: null,
  raw: operation() as JsonObject,
};

describe("normalizeOperation", () => {
  it("maps a teamsAsyncOperation, keeping the undocumented values in raw", () => {
    expect(normalizeOperation(operation(), CHAT)).toEqual({
      ok: true,
      value: BASE_ROW,
      warnings: [],
    });
  });

  it("keeps unknown operationType and status values as text", () => {
    const json = operation({ operationType: "teleportChat", status: "paused" });
    const { value, warnings } = accepted(normalizeOperation(json, CHAT));
    expect([value.operation_type, value.status]).toEqual(["teleportChat", "paused"]);
    expect(warnings).toEqual([]);
  });

  it("maps a failed operation's error code and message", () => {
    const json = operation({
      status: "failed",
      error: { code: "Forbidden", message: "No access" },
    });
    const { value } = accepted(normalizeOperation(json, CHAT));
    expect(value).toEqual({
      ...BASE_ROW,
      status: "failed",
      error_code: "Forbidden",
      error_message: "No access",
      raw: json,
    });
  });

  it.each<[unknown, string]>([
    [1.5, "attemptsCount: expected a 32-bit integer, got a number (1.5); stored as null"],
    [
      2 ** 31,
      "attemptsCount: expected a 32-bit integer, got a number (2147483648); stored as null",
    ],
    ["3", "attemptsCount: expected a 32-bit integer, got a string; stored as null"],
  ])("nulls attemptsCount %j with a warning", (attemptsCount, warning) => {
    const { value, warnings } = accepted(normalizeOperation(operation({ attemptsCount }), CHAT));
    expect(value.attempts_count).toBeNull();
    expect(warnings).toEqual([warning]);
  });

  it("nulls an error that is not an object, with a warning", () => {
    const { value, warnings } = accepted(normalizeOperation(operation({ error: "boom" }), CHAT));
    expect([value.error_code, value.error_message]).toEqual([null, null]);
    expect(warnings).toEqual(["error: expected an object, got a string; stored as null"]);
  });

  it("drops the response's @odata.context from raw", () => {
    const { value } = accepted(
      normalizeOperation(operation({ "@odata.context": "https://x/$metadata#y" }), CHAT),
    );
    expect(value.raw).toEqual(operation());
  });

  it("rejects an operation without an id", () => {
    expect(rejected(normalizeOperation({ status: "failed" }, CHAT))).toEqual({
      kind: "operation",
      context: CHAT,
      reason: "missing id",
      raw: { status: "failed" },
    });
  });
});
