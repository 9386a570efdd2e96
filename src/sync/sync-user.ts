import type { Logger } from "../log.ts";
import {
  latestGraphTimestamp,
  normalizeListedChat,
  normalizeListedViewpoint,
  normalizeMembers,
  normalizeOperation,
  type NormalizeOptions,
} from "../normalize/index.ts";
import type {
  ChatMemberRow,
  ChatOperationRow,
  ListedChat,
  ListedViewpoint,
  Rejected,
} from "../normalize/rows.ts";
import { followUpNeeded } from "./changed-since.ts";
import { isDataError, isFatal } from "./failures.ts";
import type { ChatClaims, ChatSettled, Claim } from "./chat-claims.ts";
import type { SyncOptions } from "./options.ts";
import type { GraphSource, Stream, WriteCounts } from "./ports.ts";
import type { Warehouse } from "./warehouse.ts";

/**
 * A user's claimed chats are committed in batches of at least this many (a page, or several
 * when later in a run most of each page is claimed by others): fewer, larger statements,
 * while memory stays about a page per user (250 measured no faster at 1,000 users and
 * did not fit a 128 MB heap).
 */
const BATCH_CHATS = 50;
/**
 * Batches being committed at once per user; the listing waits for the oldest beyond this.
 * One: a user reads its next page while its last batch commits. Two kept about 3,750
 * claimed chats in memory early in a 1,000-user backfill (25 users x 3 batches), the
 * largest part of its heap, for no measurable gain in time or in Graph's ceiling.
 */
const BATCHES_IN_FLIGHT = 1;

/** What a run shares between its users. */
export interface RunContext {
  readonly runId: number;
  readonly options: SyncOptions;
  readonly normalize: NormalizeOptions;
  readonly graph: GraphSource;
  readonly warehouse: Warehouse | null;
  readonly logger: Logger;
  readonly now: () => Date;
  /** Per stream, per user: the watermark (raw lastUpdatedDateTime) of the last committed run. */
  readonly watermarks: ReadonlyMap<Stream, ReadonlyMap<string, string>>;
  /** Operations that had not ended at the last run, by chat: re-polled until they end. */
  readonly pendingOperations: ReadonlyMap<string, readonly string[]>;
  /** Which user loads each chat's shared rows in this run (the first to list it). */
  readonly claims: ChatClaims;
  /** Distinct chats listed in this run (a chat is in every member's listing). */
  readonly chatsSeen: Set<string>;
  /** Bounds follow-up calls in flight across the run (the rate limiter paces them). */
  readonly followUpLimit: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Aborted when the run stops on a fatal error: users stop at their next page. */
  readonly halt: AbortSignal;
  /** Stops the run (a follow-up call met a fatal error, e.g. a rejected token). */
  readonly stop: (error: unknown) => void;
}

/** A follow-up call that failed: the chat's other rows commit, the watermarks stay. */
export interface FollowUpFailure {
  readonly stream: Stream;
  readonly chatId: string;
  readonly error: unknown;
}

export interface UserOutcome {
  readonly userId: string;
  /** Chats listed. */
  readonly chats: number;
  /** Rows this user loaded for the chats it claimed. */
  readonly members: number;
  readonly previews: number;
  readonly operations: number;
  readonly rejects: readonly Rejected[];
  readonly written: WriteCounts;
  readonly followUpFailures: readonly FollowUpFailure[];
}

interface PageLoad {
  readonly members: number;
  readonly previews: number;
  readonly operations: number;
  readonly rejects: readonly Rejected[];
  readonly written: WriteCounts;
  readonly failures: readonly FollowUpFailure[];
}

/**
 * One user: list every chat (the only complete source), page by page. Chats nobody has
 * claimed in this run are normalized in full, claimed by this user, completed with their
 * follow-up calls (members, operations) when new or changed since the watermarks, and
 * committed a page at a time; chats claimed by others are read for the viewpoint only.
 * Once the listing is read and the shared rows of every chat in it are committed, the
 * user's viewpoints, removals and new watermarks commit in one transaction. A listing
 * error throws: none of the user's own rows are written and its watermarks stay.
 */
export async function syncUser(run: RunContext, userId: string): Promise<UserOutcome> {
  const { options } = run;
  const viewpoints = new Map<string, ListedViewpoint>();
  /** Per listed chat, its claim: settles once its shared rows are committed. */
  const settled = new Map<string, Promise<ChatSettled>>();
  const rejects: Rejected[] = [];
  /** Pages of claimed chats not committed yet, their follow-ups under way. */
  const batch: ClaimedPage[] = [];
  let batchChats = 0;
  const commits: Promise<PageLoad>[] = [];
  const loads: PageLoad[] = [];
  const isClaimed = (chatId: string) => run.claims.has(chatId);
  /**
   * Reads a page: viewpoints of every chat, full rows of the chats this user claims. A
   * function of its own so that nothing in syncUser's frame, which stays suspended while
   * the batches commit, keeps the raw page alive once it is read.
   */
  const readPage = (page: readonly unknown[]): void => {
    const claimed: { listed: ListedChat; claim: Claim }[] = [];
    for (const item of page) {
      const known = normalizeListedViewpoint(item, userId, isClaimed);
      if (known) {
        const chatId = known.value.chat_id;
        warn(run, known.warnings, { userId, chatId });
        // Graph has been seen repeating an item across pages: the last one wins.
        viewpoints.set(chatId, known.value);
        if (!settled.has(chatId)) settled.set(chatId, run.claims.settled(chatId));
        continue;
      }
      const result = normalizeListedChat(item, userId, run.normalize);
      if (!result.ok) {
        rejects.push(result.rejected);
        continue;
      }
      const listed = withinStreams(result.value, options.streams);
      const chatId = listed.chat.chat_id;
      warn(run, result.warnings, { userId, chatId });
      viewpoints.set(chatId, {
        chat_id: chatId,
        last_updated_raw: listed.chat.last_updated_raw,
        viewpoint: listed.viewpoint,
      });
      const claim = run.claims.claim(chatId);
      if (claim) claimed.push({ listed, claim });
      settled.set(chatId, run.claims.settled(chatId));
    }
    if (claimed.length > 0) {
      // Follow-ups start as soon as the page is read; the rows commit with the batch.
      const completed = completePage(run, userId, claimed);
      completed.catch(() => undefined); // awaited by its batch
      batch.push({ page: completed, claimed });
      batchChats += claimed.length;
    }
  };
  const pages = run.graph.userChatPages(userId)[Symbol.asyncIterator]();
  try {
    for (;;) {
      run.halt.throwIfAborted();
      // The page goes from the iterator into readPage with no variable here holding it.
      const more = await pages.next().then((next) => {
        if (next.done) return false;
        readPage(next.value);
        return true;
      });
      if (!more) break;
      if (batchChats >= BATCH_CHATS) {
        commits.push(loadBatch(run, userId, batch.splice(0)));
        batchChats = 0;
        if (commits.length >= BATCHES_IN_FLIGHT) {
          loads.push(await (commits.shift() as Promise<PageLoad>));
        }
      }
    }
  } finally {
    // As for-await would on a throw: the listing stops (a no-op once it has ended).
    await pages.return?.();
    // Claimed chats are committed (and their claims settle) whatever happens to the listing.
    if (batch.length > 0) commits.push(loadBatch(run, userId, batch.splice(0)));
    const rest = await Promise.allSettled(commits);
    for (const r of rest) if (r.status === "fulfilled") loads.push(r.value);
  }

  const listed = [...viewpoints.values()];
  for (const chat of listed) run.chatsSeen.add(chat.chat_id);
  // Only once every listed chat's shared rows are committed may the watermarks move.
  const failedStreams = new Set<Stream>();
  for (const outcome of await Promise.all(settled.values())) {
    for (const stream of outcome.failed) failedStreams.add(stream);
  }
  const newest = latestGraphTimestamp(listed.map((c) => c.last_updated_raw));
  const watermarks = new Map<Stream, string>();
  if (newest !== null) {
    for (const stream of options.streams) {
      if (!failedStreams.has(stream)) watermarks.set(stream, newest);
    }
  }
  const sum = (pick: (load: PageLoad) => number) => loads.reduce((n, l) => n + pick(l), 0);
  const outcome = {
    userId,
    chats: listed.length,
    members: sum((l) => l.members),
    previews: sum((l) => l.previews),
    operations: sum((l) => l.operations),
    rejects: [...rejects, ...loads.flatMap((l) => l.rejects)],
    followUpFailures: loads.flatMap((l) => l.failures),
  };
  const pageWrites = {
    inserted: sum((l) => l.written.inserted),
    updated: sum((l) => l.written.updated),
  };
  if (!run.warehouse) return { ...outcome, written: pageWrites };
  run.halt.throwIfAborted();
  const written = await run.warehouse.loadUser({
    runId: run.runId,
    userId,
    seenAt: run.now(),
    viewpoints: listed,
    rejects,
    watermarks,
    // Without watermarks read (--ignore-watermarks), nothing is known: assume rows exist.
    userChatsMayExist:
      options.ignoreWatermarks || [...run.watermarks.values()].some((byUser) => byUser.has(userId)),
  });
  return {
    ...outcome,
    written: {
      inserted: pageWrites.inserted + written.inserted,
      updated: pageWrites.updated + written.updated,
    },
  };
}

type Claimed = readonly { listed: ListedChat; claim: Claim }[];

interface ClaimedPage {
  readonly claimed: Claimed;
  readonly page: Promise<CompletedPage>;
}

/** A page's claimed chats with what their follow-up calls brought. */
interface CompletedPage {
  readonly completeMembers: ReadonlyMap<string, ChatMemberRow[]>;
  readonly operations: readonly ChatOperationRow[];
  readonly rejects: readonly Rejected[];
  readonly loadedAt: {
    readonly members: ReadonlyMap<string, string | null>;
    readonly operations: ReadonlyMap<string, string | null>;
  };
  readonly failures: readonly FollowUpFailure[];
}

/**
 * Claimed chats of some pages: their shared rows in one transaction once their follow-up
 * calls are done; then each claim settles (or fails, when the rows did not commit, so
 * that the users waiting on it fail rather than move their watermarks).
 */
async function loadBatch(
  run: RunContext,
  userId: string,
  pages: readonly ClaimedPage[],
): Promise<PageLoad> {
  const claimed = pages.flatMap((p) => p.claimed);
  try {
    const completed = await Promise.all(pages.map((p) => p.page));
    try {
      return await loadCompleted(run, userId, claimed, completed);
    } catch (error) {
      if (!isDataError(error) || claimed.length === 0) throw error;
      return await loadEachChat(run, userId, claimed, mergePages(completed), error);
    }
  } catch (error) {
    for (const { claim } of claimed) claim.fail(error);
    throw error;
  }
}

/**
 * Postgres refused the data of a batch (a value no column can hold): the batch's chats are
 * loaded one transaction each, so that only the chat at fault is left out. It goes to
 * teams.sync_rejects with its raw JSON and Postgres' reason, is recorded as the claimant's
 * failure, and holds back the watermarks of every user that lists it, so a later run
 * loads it whole once Postgres takes it; every other chat of the batch commits.
 */
async function loadEachChat(
  run: RunContext,
  userId: string,
  claimed: Claimed,
  all: CompletedPage,
  batchError: unknown,
): Promise<PageLoad> {
  run.logger.warn(
    { userId, chats: claimed.length, err: batchError },
    "Postgres refused a batch's data; loading its chats one by one",
  );
  const loads: PageLoad[] = [];
  let rejects = all.rejects;
  for (const one of claimed) {
    const chatId = one.listed.chat.chat_id;
    const page = pageOfChat(all, chatId, rejects);
    rejects = [];
    try {
      loads.push(await loadCompleted(run, userId, [one], [page]));
    } catch (error) {
      if (!isDataError(error)) throw error;
      const reason = `Postgres refused the chat's rows: ${error instanceof Error ? error.message : String(error)}`;
      run.logger.warn({ userId, chatId, err: error }, "chat left out: Postgres refused its rows");
      const rejected = { kind: "chat", context: userId, reason, raw: one.listed.chat.raw };
      const failure = { stream: "chats" as const, chatId, error };
      const page = { ...EMPTY_PAGE, rejects: [rejected], failures: [failure] };
      loads.push(await loadCompleted(run, userId, [], [page]));
      // Nothing of the chat is stored: no user that lists it may move a watermark past it.
      one.claim.settle({ failed: new Set(run.options.streams) });
    }
  }
  return {
    members: loads.reduce((n, l) => n + l.members, 0),
    previews: loads.reduce((n, l) => n + l.previews, 0),
    operations: loads.reduce((n, l) => n + l.operations, 0),
    rejects: loads.flatMap((l) => l.rejects),
    written: {
      inserted: loads.reduce((n, l) => n + l.written.inserted, 0),
      updated: loads.reduce((n, l) => n + l.written.updated, 0),
    },
    failures: loads.flatMap((l) => l.failures),
  };
}

const EMPTY_PAGE: CompletedPage = {
  completeMembers: new Map(),
  operations: [],
  rejects: [],
  loadedAt: { members: new Map(), operations: new Map() },
  failures: [],
};

function mergePages(pages: readonly CompletedPage[]): CompletedPage {
  return {
    completeMembers: new Map(pages.flatMap((p) => [...p.completeMembers])),
    operations: pages.flatMap((p) => p.operations),
    rejects: pages.flatMap((p) => p.rejects),
    loadedAt: {
      members: new Map(pages.flatMap((p) => [...p.loadedAt.members])),
      operations: new Map(pages.flatMap((p) => [...p.loadedAt.operations])),
    },
    failures: pages.flatMap((p) => p.failures),
  };
}

/** One chat's part of a completed batch (with the batch's rejects, given to the first). */
function pageOfChat(
  all: CompletedPage,
  chatId: string,
  rejects: readonly Rejected[],
): CompletedPage {
  const only = <V>(map: ReadonlyMap<string, V>): Map<string, V> =>
    map.has(chatId) ? new Map([[chatId, map.get(chatId) as V]]) : new Map();
  return {
    completeMembers: only(all.completeMembers),
    operations: all.operations.filter((o) => o.chat_id === chatId),
    rejects,
    loadedAt: { members: only(all.loadedAt.members), operations: only(all.loadedAt.operations) },
    failures: all.failures.filter((f) => f.chatId === chatId),
  };
}

/** The follow-up calls a page's claimed chats need, made (none of the rows written yet). */
async function completePage(
  run: RunContext,
  userId: string,
  claimed: Claimed,
): Promise<CompletedPage> {
  const { options } = run;
  const chatIds = claimed.map((c) => c.listed.chat.chat_id);
  const marks = run.warehouse ? await run.warehouse.followUpMarks(chatIds) : new Map();
  const completeMembers = new Map<string, ChatMemberRow[]>();
  const operations: ChatOperationRow[] = [];
  const rejects: Rejected[] = [];
  /** Per follow-up stream, the chats loaded for it, at their lastUpdatedDateTime. */
  const loadedAt = {
    members: new Map<string, string | null>(),
    operations: new Map<string, string | null>(),
  };
  const failures: FollowUpFailure[] = [];
  const tasks: Promise<void>[] = [];
  const followUp = (stream: Stream, chatId: string, work: () => Promise<void>): void => {
    const unlessHalted = (): Promise<void> => {
      run.halt.throwIfAborted();
      return work();
    };
    tasks.push(
      run.followUpLimit(unlessHalted).catch((error: unknown) => {
        if (isFatal(error)) run.stop(error);
        failures.push({ stream, chatId, error });
      }),
    );
  };
  const needs = (stream: "members" | "operations") =>
    options.ignoreWatermarks
      ? () => true
      : followUpNeeded(run.watermarks.get(stream)?.get(userId), options.lookbackMs);

  if (options.streams.has("members")) {
    const needed = needs("members");
    for (const { listed } of claimed) {
      const chatId = listed.chat.chat_id;
      const at = listed.chat.last_updated_raw;
      if (listed.members && !listed.membersMayBeTruncated) {
        completeMembers.set(chatId, listed.members);
        loadedAt.members.set(chatId, at);
      } else if (needed(at, marks.get(chatId)?.members)) {
        followUp("members", chatId, async () => {
          completeMembers.set(chatId, await fetchMembers(run, chatId, rejects));
          loadedAt.members.set(chatId, at);
        });
      }
    }
  }
  if (options.streams.has("operations")) {
    const needed = needs("operations");
    for (const { listed } of claimed) {
      const chatId = listed.chat.chat_id;
      const at = listed.chat.last_updated_raw;
      const list = needed(at, marks.get(chatId)?.operations);
      const pending = run.pendingOperations.get(chatId);
      if (!list && !pending) continue;
      followUp("operations", chatId, async () => {
        operations.push(
          ...(list
            ? await fetchOperations(run, chatId, rejects)
            : await pollOperations(run, chatId, pending ?? [], rejects)),
        );
        if (list) loadedAt.operations.set(chatId, at);
      });
    }
  }
  await Promise.all(tasks);
  return { completeMembers, operations, rejects, loadedAt, failures };
}

async function loadCompleted(
  run: RunContext,
  userId: string,
  claimed: Claimed,
  pages: readonly CompletedPage[],
): Promise<PageLoad> {
  const chats = claimed.map((c) => c.listed);
  const completeMembers = new Map(pages.flatMap((p) => [...p.completeMembers]));
  const operations = pages.flatMap((p) => p.operations);
  const rejects = pages.flatMap((p) => p.rejects);
  const failures = pages.flatMap((p) => p.failures);
  const written = run.warehouse
    ? await run.warehouse.loadChats({
        runId: run.runId,
        userId,
        seenAt: run.now(),
        chats,
        completeMembers,
        operations,
        rejects,
        followUpMarks: {
          members: new Map(pages.flatMap((p) => [...p.loadedAt.members])),
          operations: new Map(pages.flatMap((p) => [...p.loadedAt.operations])),
        },
      })
    : { inserted: 0, updated: 0 };
  const failedBy = new Map<string, Set<Stream>>();
  for (const f of failures)
    failedBy.set(f.chatId, (failedBy.get(f.chatId) ?? new Set()).add(f.stream));
  for (const { listed, claim } of claimed) {
    claim.settle({ failed: failedBy.get(listed.chat.chat_id) ?? new Set() });
  }
  let members = 0;
  for (const listed of chats) {
    const complete = completeMembers.get(listed.chat.chat_id);
    members += complete ? complete.length : (listed.members?.length ?? 0);
  }
  return {
    members,
    previews: chats.filter((c) => c.preview).length,
    operations: operations.length,
    rejects,
    written,
    failures,
  };
}

/** Drops what the run's streams leave out, so the loader never writes it. */
function withinStreams(listed: ListedChat, streams: ReadonlySet<Stream>): ListedChat {
  const members = streams.has("members") ? listed.members : null;
  const preview = streams.has("previews") ? listed.preview : null;
  if (members === listed.members && preview === listed.preview) return listed;
  return {
    ...listed,
    members,
    membersMayBeTruncated: members ? listed.membersMayBeTruncated : false,
    preview,
  };
}

async function fetchMembers(
  run: RunContext,
  chatId: string,
  rejects: Rejected[],
): Promise<ChatMemberRow[]> {
  const result = normalizeMembers(await run.graph.chatMembers(chatId), chatId, run.normalize);
  rejects.push(...result.rejected);
  warn(run, result.warnings, { chatId });
  return result.members;
}

async function fetchOperations(
  run: RunContext,
  chatId: string,
  rejects: Rejected[],
): Promise<ChatOperationRow[]> {
  const items = await run.graph.chatOperations(chatId);
  return keepNormalized(run, items, chatId, rejects);
}

async function pollOperations(
  run: RunContext,
  chatId: string,
  operationIds: readonly string[],
  rejects: Rejected[],
): Promise<ChatOperationRow[]> {
  const items: unknown[] = [];
  for (const id of operationIds) items.push(await run.graph.chatOperation(chatId, id));
  return keepNormalized(run, items, chatId, rejects);
}

function keepNormalized(
  run: RunContext,
  items: readonly unknown[],
  chatId: string,
  rejects: Rejected[],
): ChatOperationRow[] {
  const rows: ChatOperationRow[] = [];
  for (const item of items) {
    const result = normalizeOperation(item, chatId);
    if (result.ok) {
      rows.push(result.value);
      warn(run, result.warnings, { chatId });
    } else {
      rejects.push(result.rejected);
    }
  }
  return rows;
}

function warn(run: RunContext, warnings: readonly string[], where: Record<string, string>): void {
  for (const warning of warnings) run.logger.warn(where, warning);
}
