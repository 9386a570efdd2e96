import pLimit from "p-limit";
import { ConfigError, DatabaseError, GraphHttpError, SyncError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { resolveNormalizeOptions } from "../normalize/index.ts";
import type { SyncOptions } from "./options.ts";
import type { GraphSource, Stream } from "./ports.ts";
import { ChatClaims } from "./chat-claims.ts";
import { syncUser, type RunContext, type UserOutcome } from "./sync-user.ts";
import type { RunStatus, Warehouse } from "./warehouse.ts";

/** How many follow-up calls may be in flight at once across the run. */
const FOLLOW_UP_CONCURRENCY = 64;

export interface RunProgress {
  start(usersTotal: number): void;
  userDone(outcome: { userId: string; ok: boolean }): void;
  stop(): void;
}

export interface RunDeps {
  readonly graph: GraphSource;
  /** Null for a dry run: extract and normalize, write nothing. */
  readonly warehouse: Warehouse | null;
  readonly logger: Logger;
  readonly now?: () => Date;
  readonly progress?: RunProgress;
  /** Aborting stops starting users; users in flight finish and commit. */
  readonly signal?: AbortSignal;
}

export interface UserFailureSummary {
  readonly userId: string;
  readonly stream: Stream;
  readonly httpStatus: number | null;
  readonly error: string;
}

export interface RunSummary {
  readonly runId: number | null;
  readonly trigger: SyncOptions["trigger"];
  readonly status: Exclude<RunStatus, "running">;
  readonly dryRun: boolean;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly users: { readonly total: number; readonly succeeded: number; readonly failed: number };
  /** Distinct chats listed (a chat shared by five synced users counts once). */
  readonly chats: number;
  readonly members: number;
  readonly previews: number;
  readonly operations: number;
  readonly rejects: number;
  readonly rowsWritten: { readonly inserted: number; readonly updated: number };
  readonly chatsMarkedDeleted: number;
  readonly requests: number;
  readonly throttled: number;
  readonly retries: number;
  readonly failures: readonly UserFailureSummary[];
  /** Set when the run stopped early (config, auth, database). */
  readonly fatal: string | null;
}

/**
 * The one orchestrator: picks the users, runs each through extract -> normalize -> load
 * under bounded concurrency, records failures per user, and closes the run. A user that
 * fails is recorded and the others go on; a database or auth failure stops the run.
 */
export async function runSync(deps: RunDeps, options: SyncOptions): Promise<RunSummary> {
  const now = deps.now ?? (() => new Date());
  const started = now();
  const countersAtStart = deps.graph.counters();
  const { warehouse, logger } = deps;
  const abandoned = warehouse ? await warehouse.closeAbandonedRuns() : 0;
  if (abandoned > 0)
    logger.warn({ runs: abandoned }, "closed runs a killed or crashed process left running");
  const resumed = warehouse && options.resume ? await warehouse.reopenBackfill() : null;
  if (options.resume && !resumed) {
    throw new ConfigError(
      "nothing to resume: the last backfill completed (start a new one without --resume)",
    );
  }
  const runId = resumed
    ? resumed.runId
    : warehouse
      ? await warehouse.startRun({
          trigger: options.trigger,
          streams: [...options.streams],
          options: {
            users: options.users.kind === "all" ? "all" : options.users.ids.length,
            concurrency: options.concurrency,
            lookbackMs: options.lookbackMs,
            ignoreWatermarks: options.ignoreWatermarks,
          },
        })
      : null;
  const outcomes: UserOutcome[] = [];
  const failures: UserFailureSummary[] = [];
  let fatal: SyncError | Error | null = null;
  let usersTotal = 0;
  let markedDeleted = 0;
  let interrupted = 0;
  const chatsSeen = new Set<string>();

  const recordFailure = async (failure: UserFailureSummary): Promise<void> => {
    failures.push(failure);
    logger.warn(failure, "user failed");
    if (warehouse && runId) await warehouse.recordFailure({ runId, ...failure });
  };

  try {
    const userIds = (await resolveUsers(deps.graph, options, recordFailure)).filter(
      (id) => !resumed?.done.has(id),
    );
    if (resumed)
      logger.info(
        { runId, done: resumed.done.size, remaining: userIds.length },
        "resuming backfill",
      );
    usersTotal = userIds.length + failures.length;
    const run: RunContext = {
      runId: runId ?? 0,
      options,
      normalize: resolveNormalizeOptions(options),
      graph: deps.graph,
      warehouse,
      logger,
      now,
      watermarks:
        warehouse && !options.ignoreWatermarks
          ? await warehouse.readWatermarks(options.streams)
          : new Map(),
      pendingOperations:
        warehouse && options.streams.has("operations")
          ? await warehouse.pendingOperations()
          : new Map(),
      claims: new ChatClaims(),
      chatsSeen,
      followUpLimit: pLimit(FOLLOW_UP_CONCURRENCY),
    };
    deps.progress?.start(usersTotal);
    const limit = pLimit(options.concurrency);
    await Promise.all(
      userIds.map((userId) =>
        limit(async () => {
          if (fatal) return;
          if (deps.signal?.aborted) {
            interrupted++;
            return;
          }
          try {
            const outcome = await syncUser(run, userId);
            outcomes.push(outcome);
            for (const f of outcome.followUpFailures) {
              await recordFailure({
                userId,
                stream: f.stream,
                ...describeError(f.error, f.chatId),
              });
            }
            deps.progress?.userDone({ userId, ok: outcome.followUpFailures.length === 0 });
          } catch (error) {
            if (isFatal(error)) {
              fatal ??= error as Error;
              limit.clearQueue();
              return;
            }
            await recordFailure({ userId, stream: "chats", ...describeError(error) });
            deps.progress?.userDone({ userId, ok: false });
          }
        }),
      ),
    );
    if (interrupted > 0)
      fatal = new Error(`interrupted: ${interrupted} of ${usersTotal} users not synced`);
    if (!fatal && warehouse) markedDeleted = await warehouse.markDeletedChats(now());
  } catch (error) {
    fatal = error as Error;
  } finally {
    deps.progress?.stop();
  }

  const failedUsers = new Set(failures.map((f) => f.userId));
  const counters = deps.graph.counters();
  const written = outcomes.reduce(
    (sum, o) => ({
      inserted: sum.inserted + o.written.inserted,
      updated: sum.updated + o.written.updated,
    }),
    { inserted: 0, updated: 0 },
  );
  const status: RunSummary["status"] = fatal
    ? "failed"
    : failedUsers.size > 0
      ? "partial"
      : "succeeded";
  const summary: RunSummary = {
    runId,
    trigger: options.trigger,
    status,
    dryRun: options.dryRun,
    startedAt: started.toISOString(),
    durationMs: now().getTime() - started.getTime(),
    // A resumed backfill is one run: its users include those earlier attempts committed.
    users: {
      total: usersTotal + (resumed?.done.size ?? 0),
      succeeded:
        outcomes.filter((o) => !failedUsers.has(o.userId)).length + (resumed?.done.size ?? 0),
      failed: failedUsers.size,
    },
    chats: chatsSeen.size,
    members: sum(outcomes, (o) => o.members),
    previews: sum(outcomes, (o) => o.previews),
    operations: sum(outcomes, (o) => o.operations),
    rejects: sum(outcomes, (o) => o.rejects.length),
    rowsWritten: written,
    chatsMarkedDeleted: markedDeleted,
    requests: counters.requests - countersAtStart.requests,
    throttled: counters.throttled - countersAtStart.throttled,
    retries: counters.retries - countersAtStart.retries,
    failures,
    fatal: fatal ? (fatal as Error).message : null,
  };
  if (warehouse && runId) {
    await warehouse
      .finishRun(
        runId,
        status,
        {
          usersTotal: summary.users.total,
          usersSucceeded: summary.users.succeeded,
          usersFailed: summary.users.failed,
          // Distinct chats cannot be summed across attempts; the larger is the better bound.
          chatsSeen: Math.max(summary.chats, resumed?.counts.chatsSeen ?? 0),
          requests: summary.requests + (resumed?.counts.requests ?? 0),
          throttled: summary.throttled + (resumed?.counts.throttled ?? 0),
          rowsWritten: written.inserted + written.updated + (resumed?.counts.rowsWritten ?? 0),
          rejects: summary.rejects + (resumed?.counts.rejects ?? 0),
        },
        summary.fatal,
      )
      .catch((error: unknown) =>
        logger.error({ err: error }, "could not record the end of the run"),
      );
  }
  return summary;
}

/**
 * The run's user ids: every user of the tenant, or the ones asked for (UPNs resolved to
 * ids, since the warehouse keys users by id). A UPN that cannot be resolved is that
 * user's failure, not the run's.
 */
async function resolveUsers(
  graph: GraphSource,
  options: SyncOptions,
  fail: (failure: UserFailureSummary) => Promise<void>,
): Promise<string[]> {
  const ids: string[] = [];
  if (options.users.kind === "all") {
    for await (const id of graph.listUserIds()) ids.push(id);
    return [...new Set(ids)];
  }
  for (const idOrUpn of options.users.ids) {
    if (!idOrUpn.includes("@")) {
      ids.push(idOrUpn);
      continue;
    }
    try {
      ids.push(await graph.resolveUserId(idOrUpn));
    } catch (error) {
      if (isFatal(error)) throw error;
      await fail({ userId: idOrUpn, stream: "chats", ...describeError(error) });
    }
  }
  return [...new Set(ids)];
}

/** Errors that make every other user fail too: stop instead of recording each. */
function isFatal(error: unknown): boolean {
  if (error instanceof DatabaseError) return true;
  if (error instanceof SyncError && error.name === "AuthError") return true;
  return error instanceof GraphHttpError && error.status === 401;
}

function describeError(
  error: unknown,
  chatId?: string,
): { httpStatus: number | null; error: string } {
  const where = chatId ? `chat ${chatId}: ` : "";
  if (error instanceof GraphHttpError) {
    const id = error.requestId ? ` (request-id ${error.requestId})` : "";
    return { httpStatus: error.status || null, error: `${where}${error.message}${id}` };
  }
  return {
    httpStatus: null,
    error: `${where}${error instanceof Error ? error.message : String(error)}`,
  };
}

function sum<T>(items: readonly T[], pick: (item: T) => number): number {
  return items.reduce((n, item) => n + pick(item), 0);
}
