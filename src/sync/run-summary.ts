import type { UserFailure } from "./failures.ts";
import type { SyncOptions } from "./options.ts";
import type { GraphCounters } from "./ports.ts";
import type { UserOutcome } from "./sync-user.ts";
import type { RunCounts, RunStatus, WriteCounts } from "./warehouse.ts";

export type UserFailureSummary = UserFailure;

export interface RunSummary {
  readonly runId: number | null;
  readonly trigger: SyncOptions["trigger"];
  readonly status: Exclude<RunStatus, "running">;
  readonly dryRun: boolean;
  readonly startedAt: string;
  readonly durationMs: number;
  /**
   * Every user of the selection is in exactly one of succeeded, failed and notSynced
   * (not started, or stopped by a fatal error or an interruption before it committed).
   */
  readonly users: {
    readonly total: number;
    readonly succeeded: number;
    readonly failed: number;
    readonly notSynced: number;
  };
  /** Distinct chats listed (a chat shared by five synced users counts once). */
  readonly chats: number;
  readonly members: number;
  readonly previews: number;
  readonly operations: number;
  /** Messages loaded by the messages stream (0 when the run did not sync messages). */
  readonly messages: number;
  readonly rejects: number;
  readonly rowsWritten: { readonly inserted: number; readonly updated: number };
  readonly chatsMarkedDeleted: number;
  readonly requests: number;
  readonly throttled: number;
  readonly retries: number;
  readonly failures: readonly UserFailureSummary[];
  /** Set when the run stopped early (config, auth, database, interrupted). */
  readonly fatal: string | null;
}

/** What a resumed backfill's earlier attempts committed: its users count in this run. */
export interface EarlierAttempts {
  readonly done: ReadonlySet<string>;
  readonly counts: RunCounts;
}

export interface RunTally {
  readonly runId: number | null;
  readonly options: SyncOptions;
  readonly startedAt: Date;
  readonly endedAt: Date;
  /** Users selected for this attempt (a resumed backfill: those not done before). */
  readonly usersSelected: number;
  readonly outcomes: readonly UserOutcome[];
  readonly failures: readonly UserFailure[];
  readonly chatsSeen: number;
  readonly chatsMarkedDeleted: number;
  /** Items dead-lettered outside any user's load (users whose ids cannot be used). */
  readonly otherRejects: number;
  /** The messages stream: messages loaded (a change read twice counts once) and rows written. */
  readonly messages: { readonly messages: number; readonly written: WriteCounts };
  readonly graph: GraphCounters;
  readonly fatal: string | null;
  readonly earlier: EarlierAttempts | null;
}

/** The run's summary from what it did: pure, so that its counts always add up. */
export function summarizeRun(tally: RunTally): RunSummary {
  const failedUsers = new Set(tally.failures.map((f) => f.userId));
  const succeededNow = tally.outcomes.filter((o) => !failedUsers.has(o.userId)).length;
  const doneBefore = tally.earlier?.done.size ?? 0;
  const total = tally.usersSelected + doneBefore;
  const succeeded = succeededNow + doneBefore;
  const failed = failedUsers.size;
  const status: RunSummary["status"] = tally.fatal
    ? "failed"
    : failed > 0
      ? "partial"
      : "succeeded";
  return {
    runId: tally.runId,
    trigger: tally.options.trigger,
    status,
    dryRun: tally.options.dryRun,
    startedAt: tally.startedAt.toISOString(),
    durationMs: tally.endedAt.getTime() - tally.startedAt.getTime(),
    users: { total, succeeded, failed, notSynced: Math.max(0, total - succeeded - failed) },
    chats: tally.chatsSeen,
    members: sum(tally.outcomes, (o) => o.members),
    previews: sum(tally.outcomes, (o) => o.previews),
    operations: sum(tally.outcomes, (o) => o.operations),
    messages: tally.messages.messages,
    rejects: sum(tally.outcomes, (o) => o.rejects.length) + tally.otherRejects,
    rowsWritten: {
      inserted: sum(tally.outcomes, (o) => o.written.inserted) + tally.messages.written.inserted,
      // Rows marked removed (or a message's part removed) are updates too.
      updated:
        sum(tally.outcomes, (o) => o.written.updated + o.written.removed) +
        tally.messages.written.updated +
        tally.messages.written.removed,
    },
    chatsMarkedDeleted: tally.chatsMarkedDeleted,
    requests: tally.graph.requests,
    throttled: tally.graph.throttled,
    retries: tally.graph.retries,
    failures: tally.failures,
    fatal: tally.fatal,
  };
}

/** The run record's counts: this attempt's plus what earlier attempts of the run recorded. */
export function runCounts(summary: RunSummary, earlier: EarlierAttempts | null): RunCounts {
  const before = earlier?.counts;
  return {
    usersTotal: summary.users.total,
    usersSucceeded: summary.users.succeeded,
    usersFailed: summary.users.failed,
    // Distinct chats cannot be summed across attempts; the larger is the better bound.
    chatsSeen: Math.max(summary.chats, before?.chatsSeen ?? 0),
    requests: summary.requests + (before?.requests ?? 0),
    throttled: summary.throttled + (before?.throttled ?? 0),
    rowsWritten:
      summary.rowsWritten.inserted + summary.rowsWritten.updated + (before?.rowsWritten ?? 0),
    rejects: summary.rejects + (before?.rejects ?? 0),
  };
}

function sum<T>(items: readonly T[], pick: (item: T) => number): number {
  return items.reduce((n, item) => n + pick(item), 0);
}
