import { followUpLoad, type FollowUpLoad } from "../load/index.ts";
import type { ListedChat, Rejected } from "../normalize/rows.ts";
import { followUpNeeded } from "./changed-since.ts";
import type { Claim } from "./chat-claims.ts";
import { isFatal } from "./failures.ts";
import type { Stream } from "./ports.ts";
import type { RunContext } from "./run-context.ts";
import { FOLLOW_UP_STREAMS, type DeclaredFollowUpStream } from "./streams/index.ts";

export type Claimed = readonly { readonly listed: ListedChat; readonly claim: Claim }[];

/** A follow-up call that failed: the chat's other rows commit, the watermarks stay. */
export interface FollowUpFailure {
  readonly stream: Stream;
  readonly chatId: string;
  readonly error: unknown;
}

/** What one stream brought for some claimed chats. */
interface StreamRows {
  readonly stream: DeclaredFollowUpStream;
  readonly rows: Map<string, readonly unknown[]>;
  readonly marks: Map<string, string | null>;
}

/** What the follow-up streams brought for some claimed chats (nothing written yet). */
export interface CompletedFollowUps {
  readonly streams: readonly StreamRows[];
  readonly rejects: readonly Rejected[];
  readonly failures: readonly FollowUpFailure[];
}

/** The run's follow-up streams, in their declared (table) order. */
export function runStreams(run: RunContext): DeclaredFollowUpStream[] {
  return FOLLOW_UP_STREAMS.filter((s) => run.options.streams.has(s.name));
}

/**
 * Runs every follow-up stream of the run for a page's claimed chats: each stream plans per
 * chat (nothing, rows the listing already holds, or a call), calls run under the run's
 * follow-up limit (the rate limiter paces them), and their items are normalized. A call
 * that fails is that chat's stream failure; a fatal one (a rejected token) stops the run.
 */
export async function completeFollowUps(
  run: RunContext,
  userId: string,
  claimed: Claimed,
): Promise<CompletedFollowUps> {
  const streams = runStreams(run);
  const marks = await run.warehouse.followUpMarks(
    claimed.map((c) => c.listed.chat.chat_id),
    streams.map((s) => s.name),
  );
  const rejects: Rejected[] = [];
  const failures: FollowUpFailure[] = [];
  const tasks: Promise<void>[] = [];
  const results = streams.map((stream): StreamRows => {
    const result = { stream, rows: new Map<string, readonly unknown[]>(), marks: new Map() };
    const changed = run.options.ignoreWatermarks
      ? () => true
      : followUpNeeded(run.watermarks.get(stream.name)?.get(userId), run.options.lookbackMs);
    for (const { listed } of claimed) {
      const chatId = listed.chat.chat_id;
      const at = listed.chat.last_updated_raw;
      const plan = stream.plan({
        listed,
        changed: changed(at, marks.get(chatId)?.[stream.name]),
        pendingOperations: run.pendingOperations.get(chatId),
      });
      if (plan === null) continue;
      if (plan.kind === "listed") {
        result.rows.set(chatId, plan.rows);
        result.marks.set(chatId, at);
        continue;
      }
      const call = async (): Promise<void> => {
        run.halt.throwIfAborted();
        const items = await plan.fetch({ graph: run.graph, userId });
        const normalized = stream.normalize(items, chatId, run.normalize);
        rejects.push(...normalized.rejected);
        for (const warning of normalized.warnings) run.logger.warn({ chatId }, warning);
        result.rows.set(chatId, normalized.rows);
        if (plan.marked) result.marks.set(chatId, at);
      };
      tasks.push(
        run.followUpLimit(call).catch((error: unknown) => {
          if (isFatal(error)) run.stop(error);
          failures.push({ stream: stream.name, chatId, error });
        }),
      );
    }
    return result;
  });
  await Promise.all(tasks);
  return { streams: results, rejects, failures };
}

/** The follow-ups of several pages as one batch's. */
export function mergeFollowUps(parts: readonly CompletedFollowUps[]): CompletedFollowUps {
  const byName = new Map<string, StreamRows>();
  for (const part of parts) {
    for (const s of part.streams) {
      const into = byName.get(s.stream.name) ?? {
        stream: s.stream,
        rows: new Map(),
        marks: new Map(),
      };
      for (const [k, v] of s.rows) into.rows.set(k, v);
      for (const [k, v] of s.marks) into.marks.set(k, v);
      byName.set(s.stream.name, into);
    }
  }
  return {
    streams: [...byName.values()],
    rejects: parts.flatMap((p) => p.rejects),
    failures: parts.flatMap((p) => p.failures),
  };
}

/** One chat's part of a batch's follow-ups (with the given rejects). */
export function followUpsOfChat(
  all: CompletedFollowUps,
  chatId: string,
  rejects: readonly Rejected[],
): CompletedFollowUps {
  const only = <V>(map: ReadonlyMap<string, V>): Map<string, V> =>
    map.has(chatId) ? new Map([[chatId, map.get(chatId) as V]]) : new Map();
  return {
    streams: all.streams.map((s) => ({
      stream: s.stream,
      rows: only(s.rows),
      marks: only(s.marks),
    })),
    rejects,
    failures: all.failures.filter((f) => f.chatId === chatId),
  };
}

/** The batch's follow-ups bound to their writers, in the streams' order. */
export function followUpLoads(completed: CompletedFollowUps): FollowUpLoad[] {
  return completed.streams.map((s) =>
    followUpLoad(s.stream.name, s.stream.writer, s.rows, s.marks),
  );
}

/** Rows a stream brought for a batch (for the run summary). */
export function rowsOf(
  completed: CompletedFollowUps,
  name: string,
): ReadonlyMap<string, readonly unknown[]> {
  return completed.streams.find((s) => s.stream.name === name)?.rows ?? new Map();
}
