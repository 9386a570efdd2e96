import type { Trigger } from "./options.ts";
import type {
  ChatBatch,
  FollowUpMarks,
  MessageCursors,
  MessagePage,
  UserRows,
  WriteCounts,
} from "../load/index.ts";
import type { Stream } from "./ports.ts";

export type { ChatBatch, MessagePage, UserRows, WriteCounts };

export type RunStatus = "running" | "succeeded" | "partial" | "failed";

export interface RunCounts {
  readonly usersTotal: number;
  readonly usersSucceeded: number;
  readonly usersFailed: number;
  readonly chatsSeen: number;
  readonly requests: number;
  readonly throttled: number;
  readonly rowsWritten: number;
  readonly rejects: number;
}

export interface FailureRecord {
  readonly runId: number;
  readonly userId: string | null;
  readonly stream: Stream | "users";
  readonly httpStatus: number | null;
  readonly error: string;
}

/**
 * What the orchestrator needs from the warehouse (implemented over src/load). Every
 * method retries transient database errors itself and rejects only with a DatabaseError:
 * `sqlState` class 22 or 54 (isDataError) is a data problem of the rows given, any other
 * is the database's (fatal for the run). Under a run lock, the writes reject with
 * RunLockLostError (a DatabaseError) once another run holds the lock; finishRun and
 * recordFailure, which touch only the run's own records, still work then.
 */
export interface Warehouse {
  startRun(input: {
    trigger: Trigger;
    streams: readonly Stream[];
    options: Record<string, unknown>;
    /** Who runs it: this process (default), or worker processes as jobs. */
    executor?: "process" | "workers";
  }): Promise<number>;
  /**
   * Closes runs left `running` by a process that died; call only under the run lock (the
   * lock, checked in the same transaction, is what proves their holders gone).
   */
  closeAbandonedRuns(): Promise<number>;
  /**
   * Reopens the newest backfill if it did not complete; returns its id and the users it
   * already committed, or null when there is nothing to resume.
   */
  reopenBackfill(): Promise<{
    runId: number;
    done: ReadonlySet<string>;
    /** What earlier attempts of the run recorded, so the run's counts cover all of it. */
    counts: RunCounts;
  } | null>;
  finishRun(
    runId: number,
    status: RunStatus,
    counts: RunCounts,
    error: string | null,
  ): Promise<void>;
  recordFailure(failure: FailureRecord): Promise<void>;
  readWatermarks(streams: Iterable<Stream>): Promise<Map<Stream, Map<string, string>>>;
  /** Per chat, the lastUpdatedDateTime each of these follow-up streams was last loaded at. */
  followUpMarks(
    chatIds: readonly string[],
    streams: readonly string[],
  ): Promise<Map<string, FollowUpMarks>>;
  /**
   * Non-terminal operations (notStarted/inProgress) by chat id; given the run, without
   * the chats of users the run already synced (an earlier batch handled them).
   */
  pendingOperations(runId: number | null): Promise<Map<string, string[]>>;
  /** Commits the shared rows of a batch of chats a user claimed (see ChatClaims). */
  loadChats(batch: ChatBatch): Promise<WriteCounts>;
  /** Commits a user's viewpoints, removals, rejects and watermarks. */
  loadUser(rows: UserRows): Promise<WriteCounts>;
  /** Where each message source stands: chats whose history was read, users' delta links. */
  messageCursors(): Promise<MessageCursors>;
  /** Commits a page of messages (and, on a read's last page, its cursor). */
  loadMessages(page: MessagePage): Promise<WriteCounts>;
  /** Chats no synced user has any more get deleted_at; returning ones get it cleared. */
  markDeletedChats(at: Date): Promise<number>;
}
