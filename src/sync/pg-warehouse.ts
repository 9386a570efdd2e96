import os from "node:os";
import type { Kysely } from "kysely";
import {
  closeAbandonedRuns,
  findResumableBackfill,
  finishRun,
  loadChatRows,
  loadUserResult,
  markDeletedChats,
  markUserFailed,
  pendingOperations,
  readFollowUpMarks,
  readWatermarks,
  recordFailure,
  reopenRun,
  startRun,
  TableStatistics,
  type Database,
} from "../load/index.ts";
import type { Logger } from "../log.ts";
import type { Stream } from "./ports.ts";
import type { Warehouse } from "./warehouse.ts";

/** The orchestrator's warehouse port over the load stage's SQL operations. */
export function pgWarehouse(db: Kysely<Database>, options: { logger?: Logger } = {}): Warehouse {
  const statistics = new TableStatistics(db, (error) =>
    options.logger?.debug({ err: error }, "refreshing planner statistics failed"),
  );
  return {
    async startRun(input) {
      const started = await startRun(db, { ...input, pid: process.pid, host: os.hostname() });
      return started.runId;
    },
    closeAbandonedRuns: () => closeAbandonedRuns(db),
    async reopenBackfill() {
      const run = await findResumableBackfill(db);
      if (!run) return null;
      await reopenRun(db, run.runId);
      return { runId: run.runId, done: run.done, counts: run.counts };
    },
    async finishRun(runId, status, counts, error) {
      if (status === "running") throw new Error("a run cannot finish as running");
      await finishRun(db, runId, {
        status,
        error,
        counts: {
          users_total: counts.usersTotal,
          users_succeeded: counts.usersSucceeded,
          users_failed: counts.usersFailed,
          chats_seen: counts.chatsSeen,
          requests: counts.requests,
          throttled: counts.throttled,
          rows_written: counts.rowsWritten,
          rejects: counts.rejects,
        },
      });
    },
    async recordFailure(failure) {
      await recordFailure(db, failure);
      if (failure.userId && failure.stream === "chats") {
        await markUserFailed(db, failure.runId, failure.userId, failure.error);
      }
    },
    async readWatermarks(streams) {
      const result = new Map<Stream, Map<string, string>>();
      for (const stream of streams) {
        const byUser = new Map<string, string>();
        for (const [userId, watermark] of await readWatermarks(db, stream))
          byUser.set(userId, watermark.raw);
        result.set(stream, byUser);
      }
      return result;
    },
    followUpMarks: (chatIds) => readFollowUpMarks(db, chatIds),
    pendingOperations: () => pendingOperations(db),
    async loadChats(load) {
      const result = await loadChatRows(db, load);
      await statistics.inserted({
        chats: result.chats.inserted,
        chat_members: result.chat_members.inserted,
        message_previews: result.message_previews.inserted,
        chat_operations: result.chat_operations.inserted,
      });
      const inserted =
        result.chats.inserted +
        result.chat_members.inserted +
        result.message_previews.inserted +
        result.chat_operations.inserted;
      return { inserted, updated: result.rowsWritten - inserted };
    },
    async loadUser(load) {
      const result = await loadUserResult(db, {
        runId: load.runId,
        userId: load.userId,
        seenAt: load.seenAt,
        // The shared rows were committed by loadChats, claim by claim.
        chats: [],
        viewpoints: load.viewpoints,
        completeMembers: new Map(),
        operations: [],
        rejects: load.rejects,
        listingComplete: true,
        watermark: null,
        watermarks: [...load.watermarks].map(([stream, raw]) => ({ stream, value: raw, raw })),
        userChatsMayExist: load.userChatsMayExist,
      });
      await statistics.inserted({ user_chats: result.user_chats.inserted });
      const inserted = [
        result.chats,
        result.chat_members,
        result.user_chats,
        result.message_previews,
        result.chat_operations,
      ].reduce((n, t) => n + t.inserted, 0);
      return { inserted, updated: result.rowsWritten - inserted };
    },
    async markDeletedChats(at) {
      const result = await markDeletedChats(db, at);
      return result.deleted;
    },
  };
}
