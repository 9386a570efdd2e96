export { openDatabase, APPLICATION_NAME } from "./connect.ts";
export type { DatabaseOptions, OpenDatabase } from "./connect.ts";
export { migrateToLatest, pendingMigrations, MIGRATIONS_FOLDER } from "./migrate.ts";
export type { MigrateOptions, MigrateOutcome } from "./migrate.ts";
export { FolderMigrationProvider } from "./migration-provider.ts";
export {
  classifyDatabaseError,
  isDataError,
  retryRuleFor,
  sqlStateOf,
  withRetry,
  DEFAULT_DATABASE_RETRY,
  RETRYABLE_SQLSTATES,
  TransientDatabaseError,
} from "./retryable.ts";
export { checkRunFence, fencedTransaction, RunLockLostError } from "./run-fence.ts";
export type { RunFence } from "./run-fence.ts";
export type { DatabaseRetryPolicy, RetryHooks, RetryRule } from "./retryable.ts";
export { loadChatBatch } from "./load-chat-batch.ts";
export type { LoadOptions } from "./load-chat-batch.ts";
export { loadUserRows } from "./load-user-rows.ts";
export { addWrites, followUpLoad, NO_WRITES, totalWrites } from "./loads.ts";
export type {
  ChatBatch,
  FollowUpLoad,
  FollowUpWriter,
  LoadResult,
  UserRows,
  WriteCounts,
} from "./loads.ts";
export { chatMembersWriter } from "./chat-members-rows.ts";
export { loadMessagePage } from "./load-messages.ts";
export type { MessagePage } from "./load-messages.ts";
export { readMessageCursors, writeMessageCursor } from "./message-cursors.ts";
export type { MessageCursor, MessageCursors } from "./message-cursors.ts";
export { chatOperationsWriter } from "./chat-operations-rows.ts";
export { markDeletedChats } from "./sweep-deleted-chats.ts";
export type { SweepResult } from "./sweep-deleted-chats.ts";
export { startRun, finishRun, recordFailure } from "./runs.ts";
export type { FailureInput, FinishRunInput, RunCounts, StartRunInput, StartedRun } from "./runs.ts";
export { markUserSucceeded, markUserFailed, succeededUsers } from "./run-users.ts";
export type { UserRunOutcome } from "./run-users.ts";
export { readWatermarks } from "./read-watermarks.ts";
export { pendingOperations, PENDING_OPERATION_STATUSES } from "./read-pending-operations.ts";
export type { Watermark } from "./read-watermarks.ts";
export { advanceWatermarks } from "./advance-watermark.ts";
export {
  failingUsers,
  readStatus,
  readStatusOverview,
  recentRuns,
  runFailures,
  runsInProgress,
  userWatermarks,
} from "./status.ts";
export type {
  FailingUser,
  FailureSummary,
  RunRow,
  StatusOverview,
  StatusSummary,
  UserWatermarkStatus,
  WarehouseStatus,
} from "./status.ts";
export { upsertChats } from "./upsert-chats.ts";
export { upsertChatMembers } from "./upsert-chat-members.ts";
export { upsertUserChats } from "./upsert-user-chats.ts";
export type { ListedUserChat } from "./upsert-user-chats.ts";
export { upsertMessagePreviews } from "./upsert-message-previews.ts";
export { upsertChatOperations } from "./upsert-chat-operations.ts";
export { upsertChatMessages, MESSAGE_CHUNK_SIZE } from "./upsert-chat-messages.ts";
export type {
  ChatMessageUpsertOptions,
  ChatMessageWrites,
  SetWrites,
} from "./upsert-chat-messages.ts";
export { DEFAULT_CHUNK_SIZE } from "./upsert-rows.ts";
export type { UpsertOptions, WriteCount } from "./upsert-rows.ts";
export { markRemovedMembers } from "./mark-removed-members.ts";
export { markRemovedUserChats } from "./mark-removed-user-chats.ts";
export { insertRejects } from "./insert-rejects.ts";
export { scrubErrorText } from "./scrub-error-text.ts";
export type { Database, RunStatus, RunTrigger, RunUserStatus } from "./schema.ts";
export { startEmbeddedPostgres } from "./embedded-postgres.ts";
export type { EmbeddedPostgresOptions, RunningPostgres } from "./embedded-postgres.ts";
export { closeAbandonedRuns, findResumableBackfill, reopenRun } from "./resume-run.ts";
export type { ResumableRun } from "./resume-run.ts";
export { readFollowUpMarks, writeFollowUpMarks } from "./follow-up-marks.ts";
export type { FollowUpMarks } from "./follow-up-marks.ts";
export { TableStatistics, DATA_TABLES, ANALYZE_MIN_ROWS } from "./table-statistics.ts";
export type { DataTable } from "./table-statistics.ts";
export { DEFAULT_TENANT, TENANT_NAME_PATTERN } from "./tenants.ts";
export {
  addRunBatch,
  finalBatchStatus,
  planRun,
  recordBatchAttempt,
  runningWorkersRun,
  runProgress,
  runTotals,
  usersWithoutOutcome,
} from "./run-jobs.ts";
export type { BatchAttempt, RunProgress, RunTotals } from "./run-jobs.ts";
