import type { WriteCounts } from "../load/index.ts";
import type { ListedChat, Rejected } from "../normalize/rows.ts";
import { isDataError } from "./failures.ts";
import {
  followUpLoads,
  followUpsOfChat,
  mergeFollowUps,
  rowsOf,
  type Claimed,
  type CompletedFollowUps,
  type FollowUpFailure,
} from "./follow-ups.ts";
import type { RunContext } from "./run-context.ts";

/** Pages of claimed chats waiting to commit, their follow-up calls under way. */
export interface ClaimedPage {
  readonly claimed: Claimed;
  readonly followUps: Promise<CompletedFollowUps>;
}

/** What committing a batch did, for the user's outcome and the run summary. */
export interface BatchLoad {
  readonly members: number;
  readonly previews: number;
  readonly operations: number;
  readonly rejects: readonly Rejected[];
  readonly written: WriteCounts;
  readonly failures: readonly FollowUpFailure[];
}

/**
 * Claimed chats of some pages: their shared rows in one transaction once their follow-up
 * calls are done; then each claim settles (or fails, when the rows did not commit, so that
 * the users waiting on it fail rather than move their watermarks).
 */
export async function loadBatch(
  run: RunContext,
  userId: string,
  pages: readonly ClaimedPage[],
): Promise<BatchLoad> {
  const claimed = pages.flatMap((p) => p.claimed);
  try {
    const completed = mergeFollowUps(await Promise.all(pages.map((p) => p.followUps)));
    try {
      return await commit(run, userId, claimed, completed);
    } catch (error) {
      if (!isDataError(error) || claimed.length === 0) throw error;
      return await commitEachChat(run, userId, claimed, completed, error);
    }
  } catch (error) {
    for (const { claim } of claimed) claim.fail(error);
    throw error;
  }
}

/** One transaction for the chats' shared rows; their claims settle once it committed. */
async function commit(
  run: RunContext,
  userId: string,
  claimed: Claimed,
  completed: CompletedFollowUps,
): Promise<BatchLoad> {
  const chats = claimed.map((c) => c.listed);
  const written = await run.warehouse.loadChats({
    runId: run.runId,
    userId,
    seenAt: run.now(),
    chats,
    followUps: followUpLoads(completed),
    rejects: completed.rejects,
  });
  const failedBy = new Map<string, Set<FollowUpFailure["stream"]>>();
  for (const f of completed.failures) {
    failedBy.set(f.chatId, (failedBy.get(f.chatId) ?? new Set()).add(f.stream));
  }
  for (const { listed, claim } of claimed) {
    claim.settle({ failed: failedBy.get(listed.chat.chat_id) ?? new Set() });
  }
  return {
    members: memberCount(chats, completed),
    previews: chats.filter((c) => c.preview).length,
    operations: [...rowsOf(completed, "operations").values()].flat().length,
    rejects: completed.rejects,
    written,
    failures: completed.failures,
  };
}

/** Members loaded: a chat's complete list where one came, else its expansion. */
function memberCount(chats: readonly ListedChat[], completed: CompletedFollowUps): number {
  const complete = rowsOf(completed, "members");
  let members = 0;
  for (const listed of chats) {
    members += complete.get(listed.chat.chat_id)?.length ?? listed.members?.length ?? 0;
  }
  return members;
}

/**
 * Postgres refused the data of a batch (a value no column can hold): the batch's chats are
 * loaded one transaction each, so that only the chat at fault is left out. It goes to
 * teams.sync_rejects with its raw JSON and Postgres' reason, is recorded as the claimant's
 * failure, and holds back the watermarks of every user that lists it, so a later run
 * loads it whole once Postgres takes it; every other chat of the batch commits.
 */
async function commitEachChat(
  run: RunContext,
  userId: string,
  claimed: Claimed,
  all: CompletedFollowUps,
  batchError: unknown,
): Promise<BatchLoad> {
  run.logger.warn(
    { userId, chats: claimed.length, err: batchError },
    "Postgres refused a batch's data; loading its chats one by one",
  );
  const loads: BatchLoad[] = [];
  let rejects = all.rejects;
  for (const one of claimed) {
    const chatId = one.listed.chat.chat_id;
    const mine = followUpsOfChat(all, chatId, rejects);
    rejects = [];
    try {
      loads.push(await commit(run, userId, [one], mine));
    } catch (error) {
      if (!isDataError(error)) throw error;
      run.logger.warn({ userId, chatId, err: error }, "chat left out: Postgres refused its rows");
      const reason = `Postgres refused the chat's rows: ${error instanceof Error ? error.message : String(error)}`;
      const rejected = { kind: "chat", context: userId, reason, raw: one.listed.chat.raw };
      const failure = { stream: "chats" as const, chatId, error };
      loads.push(
        await commit(run, userId, [], {
          streams: [],
          rejects: [...mine.rejects, rejected],
          failures: [failure],
        }),
      );
      // Nothing of the chat is stored: no user that lists it may move a watermark past it.
      one.claim.settle({ failed: new Set(run.options.streams) });
    }
  }
  return sumLoads(loads);
}

export function sumLoads(loads: readonly BatchLoad[]): BatchLoad {
  const sum = (pick: (l: BatchLoad) => number): number => loads.reduce((n, l) => n + pick(l), 0);
  return {
    members: sum((l) => l.members),
    previews: sum((l) => l.previews),
    operations: sum((l) => l.operations),
    rejects: loads.flatMap((l) => l.rejects),
    written: {
      inserted: sum((l) => l.written.inserted),
      updated: sum((l) => l.written.updated),
      removed: sum((l) => l.written.removed),
    },
    failures: loads.flatMap((l) => l.failures),
  };
}
