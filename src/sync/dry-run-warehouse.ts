import { NO_WRITES } from "../load/index.ts";
import type { Warehouse } from "./warehouse.ts";

/**
 * The warehouse of a dry run: it writes nothing and knows nothing (no watermarks, marks or
 * pending operations), so the run extracts and normalizes everything as a first run would.
 */
export function dryRunWarehouse(): Warehouse {
  return {
    startRun: async () => 0,
    closeAbandonedRuns: async () => 0,
    reopenBackfill: async () => null,
    finishRun: async () => undefined,
    recordFailure: async () => undefined,
    readWatermarks: async () => new Map(),
    followUpMarks: async () => new Map(),
    pendingOperations: async () => new Map(),
    loadChats: async () => NO_WRITES,
    loadUser: async () => NO_WRITES,
    messageCursors: async () => ({ chats: new Map(), users: new Map() }),
    loadMessages: async () => NO_WRITES,
    markDeletedChats: async () => 0,
  };
}
