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
import type { SyncOptions } from "./options.ts";
import type { GraphSource, Stream, WriteCounts } from "./ports.ts";
import type { SharedFetches } from "./shared-fetches.ts";
import type { Warehouse } from "./warehouse.ts";

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
  /** Chats whose shared rows (chat, preview, members) a user already committed in this run. */
  readonly chatsLoaded: Set<string>;
  /** Distinct chats listed in this run (a chat is in every member's listing). */
  readonly chatsSeen: Set<string>;
  readonly members: SharedFetches<ChatMemberRow[]>;
  readonly operations: SharedFetches<ChatOperationRow[]>;
  /** Bounds follow-up calls in flight across the run (the rate limiter paces them). */
  readonly followUpLimit: <T>(fn: () => Promise<T>) => Promise<T>;
}

/** A follow-up call that failed: the user's rows still commit, its watermark stays. */
export interface FollowUpFailure {
  readonly stream: Stream;
  readonly chatId: string;
  readonly error: unknown;
}

export interface UserOutcome {
  readonly userId: string;
  readonly chats: number;
  readonly members: number;
  readonly previews: number;
  readonly operations: number;
  readonly rejects: readonly Rejected[];
  readonly written: WriteCounts;
  readonly followUpFailures: readonly FollowUpFailure[];
}

/**
 * One user: list every chat (the only complete source), normalize, make the follow-up
 * calls for chats new or changed since the user's watermarks, then commit the user's rows
 * and new watermarks in one transaction. A listing error throws: nothing of this user is
 * written, and its previous watermark stays.
 */
export async function syncUser(run: RunContext, userId: string): Promise<UserOutcome> {
  const { options } = run;
  /** Chats listed whose shared rows this user may have to load, normalized in full. */
  const chats = new Map<string, ListedChat>();
  /** Chats listed whose shared rows another user committed in this run: viewpoints only. */
  const viewpoints = new Map<string, ListedViewpoint>();
  const rejects: Rejected[] = [];
  const isLoaded = (chatId: string) => run.chatsLoaded.has(chatId);
  for await (const page of run.graph.userChatPages(userId)) {
    for (const item of page) {
      const known = normalizeListedViewpoint(item, userId, isLoaded);
      if (known) {
        warn(run, known.warnings, { userId, chatId: known.value.chat_id });
        // Graph has been seen repeating an item across pages: the last one wins.
        chats.delete(known.value.chat_id);
        viewpoints.set(known.value.chat_id, known.value);
        continue;
      }
      const result = normalizeListedChat(item, userId, run.normalize);
      if (!result.ok) {
        rejects.push(result.rejected);
        continue;
      }
      warn(run, result.warnings, { userId, chatId: result.value.chat.chat_id });
      viewpoints.delete(result.value.chat.chat_id);
      chats.set(result.value.chat.chat_id, withinStreams(result.value, options.streams));
    }
  }
  const listed = (): Iterable<{ chat_id: string; last_updated_raw: string | null }> => [
    ...[...chats.values()].map((c) => c.chat),
    ...viewpoints.values(),
  ];
  const marks = run.warehouse
    ? await run.warehouse.followUpMarks([...chats.keys(), ...viewpoints.keys()])
    : new Map();
  const completeMembers = new Map<string, ChatMemberRow[]>();
  const operations: ChatOperationRow[] = [];
  /** Chats whose operations this user holds (listed or polled, none included). */
  const operationsOf = new Set<string>();
  /** Per follow-up stream, the chats this user loads it for, at their lastUpdatedDateTime. */
  const loadedAt = {
    members: new Map<string, string | null>(),
    operations: new Map<string, string | null>(),
  };
  const failures: FollowUpFailure[] = [];
  const tasks: Promise<void>[] = [];
  const followUp = (stream: Stream, chatId: string, work: () => Promise<void>): void => {
    tasks.push(
      run.followUpLimit(work).catch((error: unknown) => {
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
    for (const listed of chats.values()) {
      const chatId = listed.chat.chat_id;
      if (run.chatsLoaded.has(chatId)) continue;
      const at = listed.chat.last_updated_raw;
      if (listed.members && !listed.membersMayBeTruncated) {
        completeMembers.set(chatId, listed.members);
        loadedAt.members.set(chatId, at);
      } else if (needed(at, marks.get(chatId)?.members)) {
        followUp("members", chatId, async () => {
          const rows = await run.members.once(chatId, () => fetchMembers(run, chatId, rejects));
          if (rows) {
            completeMembers.set(chatId, rows);
            loadedAt.members.set(chatId, at);
          }
        });
      }
    }
  }
  if (options.streams.has("operations")) {
    const needed = needs("operations");
    for (const chat of listed()) {
      const chatId = chat.chat_id;
      const list = needed(chat.last_updated_raw, marks.get(chatId)?.operations);
      const pending = run.pendingOperations.get(chatId);
      if (!list && !pending) continue;
      followUp("operations", chatId, async () => {
        const rows = await run.operations.once(chatId, () =>
          list
            ? fetchOperations(run, chatId, rejects)
            : pollOperations(run, chatId, pending ?? [], rejects),
        );
        if (rows) {
          operations.push(...rows);
          operationsOf.add(chatId);
          if (list) loadedAt.operations.set(chatId, chat.last_updated_raw);
        }
      });
    }
  }
  await Promise.all(tasks);

  const listedChats = [...chats.values()];
  for (const chat of listed()) run.chatsSeen.add(chat.chat_id);
  const newest = latestGraphTimestamp([...listed()].map((c) => c.last_updated_raw));
  const watermarks = new Map<Stream, string>();
  if (newest !== null) {
    for (const stream of options.streams) {
      if (!failures.some((f) => f.stream === stream)) watermarks.set(stream, newest);
    }
  }
  const members = [...completeMembers.values()].reduce((n, rows) => n + rows.length, 0);
  const counts = {
    userId,
    chats: listedChats.length + viewpoints.size,
    members,
    previews: listedChats.filter((c) => c.preview).length,
    operations: operations.length,
    rejects,
    followUpFailures: failures,
  };
  if (!run.warehouse) return { ...counts, written: { inserted: 0, updated: 0 } };
  let written: WriteCounts;
  try {
    written = await run.warehouse.loadUser({
      runId: run.runId,
      userId,
      seenAt: run.now(),
      chats: listedChats,
      viewpoints: [...viewpoints.values()],
      completeMembers,
      operations,
      rejects,
      listingComplete: true,
      streams: options.streams,
      watermarks,
      followUpMarks: loadedAt,
      sharedRowsLoaded: new Set(
        listedChats.map((c) => c.chat.chat_id).filter((id) => run.chatsLoaded.has(id)),
      ),
    });
  } catch (error) {
    run.members.forget(completeMembers.keys());
    run.operations.forget(operationsOf);
    throw error;
  }
  for (const chat of listedChats) run.chatsLoaded.add(chat.chat.chat_id);
  run.members.markCommitted(completeMembers.keys());
  run.operations.markCommitted(operationsOf);
  return { ...counts, written };
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
