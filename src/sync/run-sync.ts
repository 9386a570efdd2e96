import pLimit from "p-limit";
import { ConfigError, DatabaseError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { systemClock } from "../runtime.ts";
import type { Rejected } from "../normalize/rows.ts";
import { resolveNormalizeOptions } from "../normalize/index.ts";
import { NO_WRITES } from "../load/index.ts";
import { ChatClaims } from "./chat-claims.ts";
import { MessagesRun } from "./messages/messages-run.ts";
import { describeError, isFatal, type UserFailure } from "./failures.ts";
import type { SyncOptions } from "./options.ts";
import type { GraphCounters, GraphSource } from "./ports.ts";
import { resolveUsers } from "./resolve-users.ts";
import { runCounts, summarizeRun, type EarlierAttempts, type RunSummary } from "./run-summary.ts";
import { refreshChat } from "./refresh-chat.ts";
import { syncUser, type RunContext, type UserOutcome } from "./sync-user.ts";
import type { Warehouse } from "./warehouse.ts";

export type { RunSummary, UserFailureSummary } from "./run-summary.ts";

/** How many follow-up calls may be in flight at once across the run. */
const FOLLOW_UP_CONCURRENCY = 64;

export interface RunProgress {
  start(usersTotal: number): void;
  userDone(outcome: { userId: string; ok: boolean }): void;
  stop(): void;
}

export interface RunDeps {
  readonly graph: GraphSource;
  /** dryRunWarehouse() for a dry run: extract and normalize, write nothing. */
  readonly warehouse: Warehouse;
  readonly logger: Logger;
  readonly now?: () => Date;
  readonly progress?: RunProgress;
  /** Aborting stops starting users; users in flight finish and commit. */
  readonly signal?: AbortSignal;
}

/**
 * The one orchestrator: opens the run's record, picks the users, runs each through
 * extract -> normalize -> load under bounded concurrency, and closes the record. A user
 * that fails is recorded and the others go on; a fatal error (auth, database, Graph
 * down) stops the users in flight at their next page and the queued ones from starting,
 * and the run ends as soon as those in flight have let go. Whatever happens, every user
 * is counted once and the record is closed.
 *
 * A run of the workers goes through the same phases as jobs (src/queue): openRun, then
 * selectRunUsers and syncUserBatch for each batch of users under the run's id, then the
 * deletion sweep and the run's record closed once, after the last batch.
 */
export async function runSync(deps: RunDeps, options: SyncOptions): Promise<RunSummary> {
  const now = deps.now ?? systemClock;
  const pass = new RunPass(deps, options);
  const { runId, earlier } = await openRun(deps, options);
  let usersSelected = 0;
  let chatsMarkedDeleted = 0;
  await pass.within(runId, async (run, state) => {
    usersSelected = options.chats
      ? await refreshChats(run, options.chats, state, deps)
      : await selectAndSyncUsers(run, state, deps, earlier);
    await pass.settleMessages();
    // The sweep needs every synced user's complete listing: not after a --chats refresh.
    if (!state.stopped && !options.chats) {
      chatsMarkedDeleted = await deps.warehouse.markDeletedChats(now());
    }
  });
  const summary = pass.summarize({
    // A dry run has no record.
    runId: options.dryRun ? null : runId,
    usersSelected,
    chatsMarkedDeleted,
    earlier,
  });
  await closeRun(deps, summary, earlier);
  return summary;
}

/**
 * One batch of a run's users, synced under the run's existing id (a job of the workers):
 * as runSync's users, with the batch's own messages settled, but no record opened or
 * closed and no deletion sweep (the run's last job does those). The summary is the
 * batch's: its users, counts and fatal error.
 */
export async function syncUserBatch(
  deps: RunDeps,
  options: SyncOptions,
  runId: number,
  userIds: readonly string[],
): Promise<RunSummary> {
  const pass = new RunPass(deps, options);
  await pass.within(runId, async (run, state) => {
    deps.progress?.start(userIds.length);
    await syncEach(run, userIds, state, deps, (id) => syncUser(run, id));
    await pass.settleMessages();
  });
  return pass.summarize({
    runId,
    usersSelected: userIds.length,
    chatsMarkedDeleted: 0,
    earlier: null,
  });
}

/**
 * The users of a run (every user of the tenant, or those asked for), as a run of the
 * workers plans its batches: ids that cannot be resolved are recorded as the run's
 * failures, unusable items as its rejects. Throws on a fatal error (the job retries).
 */
export async function selectRunUsers(
  deps: RunDeps,
  options: SyncOptions,
  runId: number,
): Promise<{ readonly ids: readonly string[]; readonly unresolved: number }> {
  const now = deps.now ?? systemClock;
  const state = new RunState(deps, runId);
  const normalize = resolveNormalizeOptions(options);
  const users = await resolveUsers(deps.graph, options, deps.signal, normalize);
  for (const failure of users.failures) await state.recordFailure(failure);
  if (users.rejects.length > 0) await state.recordRejects(users.rejects, now());
  if (state.stopped) throw new Error(state.fatalMessage() ?? "stopped");
  return { ids: users.ids, unresolved: users.failures.length };
}

/**
 * What one pass over users or chats shares, from the run's context to its summary: the
 * state (outcomes, failures, the fatal error), the chats seen, the messages stream.
 */
class RunPass {
  readonly #now: () => Date;
  readonly #startedAt: Date;
  readonly #countersAtStart: GraphCounters;
  #state: RunState | null = null;
  #messages: MessagesRun | null = null;
  readonly #chatsSeen = new Set<string>();

  constructor(
    private readonly deps: RunDeps,
    private readonly options: SyncOptions,
  ) {
    this.#now = deps.now ?? systemClock;
    this.#startedAt = this.#now();
    this.#countersAtStart = deps.graph.counters();
  }

  /**
   * Runs `body` with the run's context; a throw (a fatal error reading the context or in
   * the body) stops the pass instead of escaping, and the progress bar is stopped.
   */
  async within(
    runId: number,
    body: (run: RunContext, state: RunState) => Promise<void>,
  ): Promise<void> {
    const state = new RunState(this.deps, runId);
    this.#state = state;
    try {
      const run = await runContext(
        this.deps,
        this.options,
        state,
        this.#chatsSeen,
        this.#now,
        this.#startedAt,
      );
      this.#messages = run.messages;
      await body(run, state);
    } catch (error) {
      state.fail(error);
    } finally {
      this.deps.progress?.stop();
    }
  }

  /** Waits for the messages stream's reads and records their failures. */
  async settleMessages(): Promise<void> {
    const messages = this.#messages;
    const state = this.#state;
    if (!messages || !state) return;
    await messages.settled();
    for (const failure of messages.failures) await state.recordFailure(failure);
  }

  summarize(input: {
    runId: number | null;
    usersSelected: number;
    chatsMarkedDeleted: number;
    earlier: EarlierAttempts | null;
  }): RunSummary {
    const state = this.#state;
    if (!state) throw new Error("summarize() before within()");
    const counters = this.deps.graph.counters();
    const messages = this.#messages;
    return summarizeRun({
      runId: input.runId,
      options: this.options,
      startedAt: this.#startedAt,
      endedAt: this.#now(),
      usersSelected: input.usersSelected,
      outcomes: state.outcomes,
      failures: state.failures,
      chatsSeen: this.#chatsSeen.size,
      chatsMarkedDeleted: input.chatsMarkedDeleted,
      messages: messages
        ? { messages: messages.messages, written: messages.written }
        : { messages: 0, written: NO_WRITES },
      otherRejects: state.rejected,
      graph: {
        requests: counters.requests - this.#countersAtStart.requests,
        throttled: counters.throttled - this.#countersAtStart.throttled,
        retries: counters.retries - this.#countersAtStart.retries,
      },
      fatal: state.fatalMessage(),
      earlier: input.earlier,
    });
  }
}

/**
 * The run's users (every user of the tenant, or those asked for), each synced; returns how
 * many were selected (unresolvable UPNs included).
 */
async function selectAndSyncUsers(
  run: RunContext,
  state: RunState,
  deps: RunDeps,
  earlier: EarlierAttempts | null,
): Promise<number> {
  const users = await resolveUsers(deps.graph, run.options, deps.signal, run.normalize);
  for (const failure of users.failures) await state.recordFailure(failure);
  if (users.rejects.length > 0) await state.recordRejects(users.rejects, run.now());
  const userIds = users.ids.filter((id) => !earlier?.done.has(id));
  if (earlier) {
    deps.logger.info(
      { runId: run.runId, done: earlier.done.size, remaining: userIds.length },
      "resuming backfill",
    );
  }
  const selected = userIds.length + users.failures.length;
  deps.progress?.start(selected);
  await syncEach(run, userIds, state, deps, (id) => syncUser(run, id));
  return selected;
}

/** `--chats`: each chat refreshed whole (see refreshChat); the run counts chats as its units. */
async function refreshChats(
  run: RunContext,
  chatIds: readonly string[],
  state: RunState,
  deps: RunDeps,
): Promise<number> {
  const ids = [...new Set(chatIds)];
  deps.progress?.start(ids.length);
  await syncEach(run, ids, state, deps, (id) => refreshChat(run, id));
  return ids.length;
}

/** Starts the run's record, or reopens the backfill to resume (under the run lock). */
export async function openRun(
  deps: RunDeps,
  options: SyncOptions,
  executor: "process" | "workers" = "process",
): Promise<{ runId: number; earlier: EarlierAttempts | null }> {
  const { warehouse, logger } = deps;
  const abandoned = await warehouse.closeAbandonedRuns();
  if (abandoned > 0)
    logger.warn({ runs: abandoned }, "closed runs a killed or crashed process left running");
  if (options.resume) {
    const resumed = await warehouse.reopenBackfill();
    if (!resumed) {
      throw new ConfigError(
        "nothing to resume: the last backfill completed (start a new one without --resume)",
      );
    }
    return { runId: resumed.runId, earlier: resumed };
  }
  const runId = await warehouse.startRun({
    executor,
    trigger: options.trigger,
    streams: [...options.streams],
    options: {
      users: options.users.kind === "all" ? "all" : options.users.ids.length,
      concurrency: options.concurrency,
      lookbackMs: options.lookbackMs,
      ignoreWatermarks: options.ignoreWatermarks,
    },
  });
  return { runId, earlier: null };
}

/** Finishes the run's record; a failure to do so is logged, never thrown over the summary. */
export async function closeRun(
  deps: RunDeps,
  summary: RunSummary,
  earlier: EarlierAttempts | null,
): Promise<void> {
  if (summary.runId === null) return;
  try {
    await deps.warehouse.finishRun(
      summary.runId,
      summary.status,
      runCounts(summary, earlier),
      summary.fatal,
    );
  } catch (error) {
    deps.logger.error({ err: error, runId: summary.runId }, "could not record the end of the run");
  }
}

/** What every user of the run shares: options, the warehouse's marks, claims. */
async function runContext(
  deps: RunDeps,
  options: SyncOptions,
  state: RunState,
  chatsSeen: Set<string>,
  now: () => Date,
  startedAt: Date,
): Promise<RunContext> {
  const { warehouse } = deps;
  const normalize = resolveNormalizeOptions(options);
  const messages = options.streams.has("messages")
    ? new MessagesRun(
        {
          runId: state.runId,
          graph: deps.graph,
          warehouse,
          logger: deps.logger,
          normalize,
          now,
          stop: (error) => state.fail(error),
          halt: state.halt,
        },
        await warehouse.messageCursors(),
      )
    : null;
  return {
    runId: state.runId,
    options,
    normalize,
    graph: deps.graph,
    warehouse,
    logger: deps.logger,
    now,
    watermarks: options.ignoreWatermarks
      ? new Map()
      : await warehouse.readWatermarks(options.streams),
    pendingOperations: options.streams.has("operations")
      ? await warehouse.pendingOperations(state.runId)
      : new Map(),
    claims: new ChatClaims(),
    chatsSeen,
    followUpLimit: pLimit(FOLLOW_UP_CONCURRENCY),
    messages,
    startedAt,
    halt: state.halt,
    stop: (error) => state.fail(error),
  };
}

/**
 * Every user through syncUser, `concurrency` at a time. A fatal error or an abort clears
 * the queue (its entries reject at once, so nothing waits on a user that never starts)
 * and the users in flight settle before this returns.
 */
async function syncEach(
  run: RunContext,
  userIds: readonly string[],
  state: RunState,
  deps: RunDeps,
  sync: (id: string) => Promise<UserOutcome>,
): Promise<void> {
  const limit = pLimit({ concurrency: run.options.concurrency, rejectOnClear: true });
  const stopQueue = (): void => limit.clearQueue();
  const signals = [state.halt, deps.signal].filter((s): s is AbortSignal => s !== undefined);
  for (const signal of signals) signal.addEventListener("abort", stopQueue, { once: true });
  try {
    if (signals.some((s) => s.aborted)) stopQueue();
    const users = userIds.map((userId) => limit(() => syncOne(run, userId, state, deps, sync)));
    await Promise.allSettled(users);
  } finally {
    for (const signal of signals) signal.removeEventListener("abort", stopQueue);
  }
  const notStarted = userIds.length - state.started;
  if (notStarted > 0 && !state.stopped) {
    state.fail(new Error(`interrupted: ${notStarted} of ${userIds.length} users not synced`));
  }
}

async function syncOne(
  run: RunContext,
  userId: string,
  state: RunState,
  deps: RunDeps,
  sync: (id: string) => Promise<UserOutcome>,
): Promise<void> {
  if (state.stopped || deps.signal?.aborted) return;
  state.started++;
  let outcome: UserOutcome;
  try {
    outcome = await sync(userId);
  } catch (error) {
    // A user stopped by the run's fatal error is not synced, not failed.
    if (run.halt.aborted) return;
    if (isFatal(error)) return state.fail(error);
    await state.recordFailure({ userId, stream: "chats", ...describeError(error) });
    deps.progress?.userDone({ userId, ok: false });
    return;
  }
  state.outcomes.push(outcome);
  for (const f of outcome.followUpFailures) {
    await state.recordFailure({ userId, stream: f.stream, ...describeError(f.error, f.chatId) });
  }
  deps.progress?.userDone({ userId, ok: outcome.followUpFailures.length === 0 });
}

/** What the run has done so far, and the one fatal error that stops it. */
class RunState {
  readonly outcomes: UserOutcome[] = [];
  readonly failures: UserFailure[] = [];
  /** Users that began (the rest were never started). */
  started = 0;
  /** Items rejected outside any user's load. */
  rejected = 0;
  readonly #halt = new AbortController();
  #fatal: unknown = null;

  constructor(
    private readonly deps: RunDeps,
    readonly runId: number,
  ) {}

  /** Aborted by the first fatal error: users in flight stop at their next page. */
  get halt(): AbortSignal {
    return this.#halt.signal;
  }

  get stopped(): boolean {
    return this.#fatal !== null;
  }

  fail(error: unknown): void {
    if (this.#fatal !== null) return;
    this.#fatal = error ?? new Error("stopped");
    this.deps.logger.debug({ err: error }, "stopping the run");
    this.#halt.abort(this.#fatal);
  }

  fatalMessage(): string | null {
    if (this.#fatal === null) return null;
    return this.#fatal instanceof Error ? this.#fatal.message : String(this.#fatal);
  }

  /** Dead-letters what no user's load carries (users whose ids cannot be used). */
  async recordRejects(rejects: readonly Rejected[], at: Date): Promise<void> {
    this.rejected += rejects.length;
    for (const r of rejects) this.deps.logger.warn({ reason: r.reason }, `${r.kind} rejected`);
    const { warehouse } = this.deps;
    await warehouse.loadChats({
      runId: this.runId,
      userId: null,
      seenAt: at,
      chats: [],
      followUps: [],
      rejects,
    });
  }

  /**
   * Records a user's failure. Never throws: if the failure cannot be written (the
   * database is gone after its retries), the run stops with that error instead.
   */
  async recordFailure(failure: UserFailure): Promise<void> {
    this.failures.push(failure);
    this.deps.logger.warn(failure, "user failed");
    const { warehouse } = this.deps;
    try {
      await warehouse.recordFailure({ runId: this.runId, ...failure });
    } catch (error) {
      this.fail(
        error instanceof DatabaseError
          ? error
          : new Error(
              `could not record the failure of user ${failure.userId}: ${error instanceof Error ? error.message : String(error)}`,
              { cause: error },
            ),
      );
    }
  }
}
