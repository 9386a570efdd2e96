import { GraphHttpError } from "../../errors.ts";
import type { WriteCounts } from "../../load/index.ts";
import { messageChangesCall } from "./calls.ts";
import type { MessagesRun } from "./messages-run.ts";
import { loadPages } from "./page-loop.ts";

/** How far before the last round's start a re-read goes (Graph's clocks and replication). */
const REREAD_LOOKBACK_MS = 60 * 60 * 1000;

/**
 * Reads what changed in a user's chats since the last run through `getAllMessages/delta`:
 * new, edited, reacted, unreacted and deleted messages, old ones included (those move
 * lastModifiedDateTime but not the chat's preview). An unchanged night costs one request
 * per user, whatever the number of chats. The round's delta link commits with its last
 * page. Without a link (a first run, a backfill), or when Graph no longer takes the stored
 * one (expired after days unused, or on another origin than GRAPH_BASE_URL's), a new round
 * starts from a bound that loses nothing: the last round's start (or this run's) minus a
 * lookback. The messages of chats whose history is read in this run come through that
 * read; the round only has to cover what changes from now on.
 */
export async function readUserChanges(
  run: MessagesRun,
  userId: string,
  runStartedAt: Date,
  restart: boolean,
): Promise<{ messages: number; written: WriteCounts }> {
  const stored = restart ? undefined : run.cursors.users.get(userId);
  const origin = new URL(run.context.graph.baseUrl).origin;
  if (stored && new URL(stored.deltaLink).origin !== origin) {
    run.context.logger.warn(
      { userId },
      "the stored delta link is not on GRAPH_BASE_URL's origin: dropped, the changes are read again from its time",
    );
    return readRound(run, userId, undefined, since(stored.readAt));
  }
  // A first round covers what changes from this run's start on, by Graph's clock (its Date
  // headers; this machine's clock when Graph sent none): the histories read in this run
  // cover what came before.
  if (!stored) {
    return readRound(
      run,
      userId,
      undefined,
      since(run.context.graph.serverTime().first ?? runStartedAt),
    );
  }
  try {
    return await readRound(run, userId, stored.deltaLink, since(stored.readAt));
  } catch (error) {
    if (!expired(error)) throw error;
    run.context.logger.warn(
      { userId, status: (error as GraphHttpError).status },
      "the delta link expired: reading the changes again since the last round",
    );
    return readRound(run, userId, undefined, since(stored.readAt));
  }
}

function since(at: Date): string {
  return new Date(at.getTime() - REREAD_LOOKBACK_MS).toISOString();
}

/** Graph's answers to a delta token it no longer takes (410 Gone, resyncRequired...). */
function expired(error: unknown): boolean {
  if (!(error instanceof GraphHttpError)) return false;
  if (error.status === 410) return true;
  const code = (error.graphCode ?? "").toLowerCase();
  return error.status === 400 && (code.includes("resync") || code.includes("token"));
}

function readRound(
  run: MessagesRun,
  userId: string,
  deltaLink: string | undefined,
  from: string,
): Promise<{ messages: number; written: WriteCounts }> {
  // By Graph's clock: an expired link is replaced by a re-read from here (minus the lookback).
  const readAt = run.context.graph.serverTime().latest ?? run.context.now();
  const pages = run.context.graph.pages(messageChangesCall(userId, from), deltaLink);
  return loadPages(run, pages[Symbol.asyncIterator](), {
    userId,
    chatId: null,
    dedupe: true,
    mayExist: true,
    cursor: (last) => {
      if (last.deltaLink === undefined) {
        throw new Error(
          `message changes of user ${userId}: the last page carried no @odata.deltaLink`,
        );
      }
      return { scope: "user", id: userId, deltaLink: last.deltaLink, readAt };
    },
  });
}
