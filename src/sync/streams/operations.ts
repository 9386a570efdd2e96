import { chatOperationsWriter } from "../../load/index.ts";
import { normalizeOperation } from "../../normalize/index.ts";
import type { ChatOperationRow, Rejected } from "../../normalize/rows.ts";
import type { GraphCall } from "../ports.ts";
import type { FollowUpStream } from "./follow-up-stream.ts";

/**
 * `GET /beta/chats/{id}/operations`, or one of them by id. Beta only (v1.0's chat has no
 * operations); the `createChat` operation type comes after `unknownFutureValue`.
 */
export function operationsCall(chatId: string, userId?: string, operationId?: string): GraphCall {
  return {
    version: "beta",
    path: [
      "chats",
      { id: chatId, what: "chat id" },
      "operations",
      ...(operationId === undefined ? [] : [{ id: operationId, what: "operation id" }]),
    ],
    scope: operationId === undefined ? "listOperations" : "getOperation",
    stream: "operations",
    chatId,
    ...(userId === undefined ? {} : { userId }),
    unknownEnums: true,
    listing: `operations of chat ${chatId}`,
  };
}

/**
 * A chat's async operations (beta): listed for chats new or changed since they were last
 * listed; the ones that had not ended at the last run are re-polled one by one until
 * they end, whether or not the chat changed.
 */
export const operationsStream: FollowUpStream<"operations", ChatOperationRow> = {
  name: "operations",
  plan({ listed, changed, pendingOperations }) {
    const chatId = listed.chat.chat_id;
    const call = (userId: string, operationId?: string): GraphCall =>
      operationsCall(chatId, userId, operationId);
    if (changed) {
      return {
        kind: "fetch",
        marked: true,
        fetch: ({ graph, userId }) => graph.listAll(call(userId)),
      };
    }
    if (!pendingOperations?.length) return null;
    return {
      kind: "fetch",
      marked: false,
      async fetch({ graph, userId }) {
        const items: unknown[] = [];
        for (const id of pendingOperations) items.push(await graph.getObject(call(userId, id)));
        return items;
      },
    };
  },
  writer: chatOperationsWriter,
  normalize(items, chatId) {
    const rows: ChatOperationRow[] = [];
    const rejected: Rejected[] = [];
    const warnings: string[] = [];
    for (const item of items) {
      const result = normalizeOperation(item, chatId);
      if (result.ok) {
        rows.push(result.value);
        warnings.push(...result.warnings);
      } else {
        rejected.push(result.rejected);
      }
    }
    return { rows, rejected, warnings };
  },
};
