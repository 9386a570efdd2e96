import { addWrites, type WriteCounts } from "../load/index.ts";
import {
  latestGraphTimestamp,
  normalizeListedChat,
  normalizeListedViewpoint,
} from "../normalize/index.ts";
import type { ListedChat, ListedViewpoint, Rejected } from "../normalize/rows.ts";
import { loadBatch, sumLoads, type BatchLoad, type ClaimedPage } from "./chat-batches.ts";
import type { ChatSettled } from "./chat-claims.ts";
import { completeFollowUps, type Claimed, type FollowUpFailure } from "./follow-ups.ts";
import type { Stream } from "./ports.ts";
import { readChatHistory } from "./messages/chat-history.ts";
import { readUserChanges } from "./messages/user-changes.ts";
import type { RunContext } from "./run-context.ts";

export type { RunContext } from "./run-context.ts";
export type { FollowUpFailure } from "./follow-ups.ts";

/**
 * A user's claimed chats are committed in batches of at least this many (a page, or
 * several when later in a run most of each page is claimed by others): fewer, larger
 * statements, while memory stays about a page per user.
 */
const BATCH_CHATS = 50;
/**
 * Batches being committed at once per user; the listing waits for the oldest beyond this.
 * One: a user's listing waits for each batch's commit before it reads on, so early in a
 * backfill (every chat new) the claimed chats held in memory stay about a batch per user.
 */
const BATCHES_IN_FLIGHT = 1;

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

/**
 * One user: list every chat (the only complete source), page by page. Chats nobody has
 * claimed in this run are normalized in full, claimed by this user, completed by the
 * follow-up streams, and committed a batch at a time; chats claimed by others are read for
 * the viewpoint only. Once the listing is read and the shared rows of every chat in it are
 * committed, the user's viewpoints, removals and new watermarks commit in one
 * transaction. A listing error throws: none of the user's own rows are written and its
 * watermarks stay.
 */
export async function syncUser(run: RunContext, userId: string): Promise<UserOutcome> {
  const listing = new UserListing(run, userId);
  const loads = await listing.readAndCommitClaimed();
  for (const chat of listing.viewpoints.values()) run.chatsSeen.add(chat.chat_id);
  const watermarks = await listing.watermarksToCommit();
  const claimed = sumLoads(loads);
  run.halt.throwIfAborted();
  const own = await run.warehouse.loadUser({
    runId: run.runId,
    userId,
    seenAt: run.now(),
    viewpoints: [...listing.viewpoints.values()],
    rejects: listing.rejects,
    watermarks,
    // Without watermarks read (a backfill), nothing is known: assume rows exist.
    mayHaveRows:
      run.options.ignoreWatermarks ||
      [...run.watermarks.values()].some((byUser) => byUser.has(userId)),
  });
  if (run.messages) {
    const messages = run.messages;
    await messages.run(userId, () =>
      readUserChanges(messages, userId, run.startedAt, run.options.ignoreWatermarks),
    );
  }
  return {
    userId,
    chats: listing.viewpoints.size,
    members: claimed.members,
    previews: claimed.previews,
    operations: claimed.operations,
    rejects: [...listing.rejects, ...claimed.rejects],
    followUpFailures: claimed.failures,
    written: addWrites(claimed.written, own),
  };
}

/** A user's listing as it is read: viewpoints, claims, rejects, batches being committed. */
class UserListing {
  readonly viewpoints = new Map<string, ListedViewpoint>();
  readonly rejects: Rejected[] = [];
  /** Per listed chat, its claim: settles once its shared rows are committed. */
  readonly #settled = new Map<string, Promise<ChatSettled>>();
  /** Pages of claimed chats not committed yet, their follow-ups under way. */
  #batch: ClaimedPage[] = [];
  #batchChats = 0;

  constructor(
    private readonly run: RunContext,
    private readonly userId: string,
  ) {}

  /** Reads every page, committing claimed chats a batch at a time; returns the batches' loads. */
  async readAndCommitClaimed(): Promise<BatchLoad[]> {
    const { run, userId } = this;
    const commits: Promise<BatchLoad>[] = [];
    const loads: BatchLoad[] = [];
    const pages = run.graph.userChatPages(userId)[Symbol.asyncIterator]();
    try {
      for (;;) {
        run.halt.throwIfAborted();
        // The page goes from the iterator into readPage with no variable here holding it:
        // this frame stays suspended while batches commit.
        const more = await pages.next().then((next) => {
          if (next.done) return false;
          this.readPage(next.value);
          return true;
        });
        if (!more) break;
        if (this.#batchChats >= BATCH_CHATS) {
          commits.push(this.commitBatch());
          if (commits.length >= BATCHES_IN_FLIGHT)
            loads.push(await (commits.shift() as Promise<BatchLoad>));
        }
      }
    } finally {
      // As for-await would on a throw: the listing stops (a no-op once it has ended).
      await pages.return?.();
      // Claimed chats are committed (and their claims settle) whatever happens to the listing.
      if (this.#batch.length > 0) commits.push(this.commitBatch());
      for (const r of await Promise.allSettled(commits))
        if (r.status === "fulfilled") loads.push(r.value);
    }
    return loads;
  }

  /**
   * The watermarks the user may commit: only once every listed chat's shared rows are
   * committed, and not for a stream whose follow-up failed for one of them.
   */
  async watermarksToCommit(): Promise<Map<Stream, string>> {
    const failed = new Set<Stream>();
    for (const outcome of await Promise.all(this.#settled.values())) {
      for (const stream of outcome.failed) failed.add(stream);
    }
    const newest = latestGraphTimestamp(
      [...this.viewpoints.values()].map((c) => c.last_updated_raw),
    );
    const watermarks = new Map<Stream, string>();
    if (newest === null) return watermarks;
    for (const stream of this.run.options.streams)
      if (!failed.has(stream)) watermarks.set(stream, newest);
    return watermarks;
  }

  /** Viewpoints of every chat, full rows of the chats this user claims. */
  private readPage(page: readonly unknown[]): void {
    const { run, userId } = this;
    const claimed: {
      listed: ListedChat;
      claim: NonNullable<ReturnType<typeof run.claims.claim>>;
    }[] = [];
    const isClaimed = (chatId: string): boolean => run.claims.has(chatId);
    for (const item of page) {
      const known = normalizeListedViewpoint(item, userId, isClaimed);
      if (known) {
        const chatId = known.value.chat_id;
        this.warn(known.warnings, chatId);
        // Graph has been seen repeating an item across pages: the last one wins.
        this.viewpoints.set(chatId, known.value);
        if (!this.#settled.has(chatId)) this.#settled.set(chatId, run.claims.settled(chatId));
        continue;
      }
      const result = normalizeListedChat(item, userId, run.normalize);
      if (!result.ok) {
        this.rejects.push(result.rejected);
        continue;
      }
      const listed = withinStreams(result.value, run.options.streams);
      const chatId = listed.chat.chat_id;
      this.warn(result.warnings, chatId);
      this.viewpoints.set(chatId, {
        chat_id: chatId,
        last_updated_raw: listed.chat.last_updated_raw,
        viewpoint: listed.viewpoint,
      });
      const claim = run.claims.claim(chatId);
      if (claim) claimed.push({ listed, claim });
      this.#settled.set(chatId, run.claims.settled(chatId));
    }
    if (claimed.length > 0) {
      this.addToBatch(claimed);
      this.readHistories(claimed);
    }
  }

  /**
   * The messages of claimed chats whose history no run has read yet (or of every claimed
   * chat in a backfill), from --messages-since: queued now, committed page by page.
   */
  private readHistories(claimed: Claimed): void {
    const { run, userId } = this;
    const messages = run.messages;
    if (!messages) return;
    for (const { listed } of claimed) {
      const chatId = listed.chat.chat_id;
      const read = messages.cursors.chats.has(chatId);
      if (read && !run.options.ignoreWatermarks) continue;
      messages.schedule(userId, () =>
        readChatHistory(messages, chatId, userId, run.options.messagesSince, !read),
      );
    }
  }

  /** Follow-ups start as soon as the page is read; the rows commit with the batch. */
  private addToBatch(claimed: Claimed): void {
    const followUps = completeFollowUps(this.run, this.userId, claimed);
    followUps.catch(() => undefined); // awaited by its batch
    this.#batch.push({ claimed, followUps });
    this.#batchChats += claimed.length;
  }

  private commitBatch(): Promise<BatchLoad> {
    const pages = this.#batch;
    this.#batch = [];
    this.#batchChats = 0;
    return loadBatch(this.run, this.userId, pages);
  }

  private warn(warnings: readonly string[], chatId: string): void {
    for (const warning of warnings) this.run.logger.warn({ userId: this.userId, chatId }, warning);
  }
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
