import type { FollowUpName, FollowUpRows, FollowUpRowTypes, FollowUps } from "../load/index.ts";
import type { ListedChat, Rejected } from "../normalize/rows.ts";
import { followUpNeeded } from "./changed-since.ts";
import type { Claim } from "./chat-claims.ts";
import { isFatal } from "./failures.ts";
import type { Stream } from "./ports.ts";
import type { RunContext } from "./run-context.ts";
import { FOLLOW_UP_STREAMS, type FollowUpStream } from "./streams/index.ts";

export type Claimed = readonly { readonly listed: ListedChat; readonly claim: Claim }[];

/** A follow-up call that failed: the chat's other rows commit, the watermarks stay. */
export interface FollowUpFailure {
  readonly stream: Stream;
  readonly chatId: string;
  readonly error: unknown;
}

/** What the follow-up streams brought for some claimed chats (nothing written yet). */
export interface CompletedFollowUps {
  readonly followUps: FollowUps;
  readonly rejects: readonly Rejected[];
  readonly failures: readonly FollowUpFailure[];
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
  const marks = await run.warehouse.followUpMarks(claimed.map((c) => c.listed.chat.chat_id));
  const rejects: Rejected[] = [];
  const failures: FollowUpFailure[] = [];
  const followUps: Partial<Record<FollowUpName, FollowUpRows<unknown>>> = {};
  const tasks: Promise<void>[] = [];
  for (const stream of Object.values(FOLLOW_UP_STREAMS) as FollowUpStream<FollowUpName>[]) {
    if (!run.options.streams.has(stream.name)) continue;
    const changed = run.options.ignoreWatermarks
      ? () => true
      : followUpNeeded(run.watermarks.get(stream.name)?.get(userId), run.options.lookbackMs);
    const rows = new Map<string, readonly unknown[]>();
    const marked = new Map<string, string | null>();
    followUps[stream.name] = { rows, marks: marked };
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
        rows.set(chatId, plan.rows);
        marked.set(chatId, at);
        continue;
      }
      const call = async (): Promise<void> => {
        run.halt.throwIfAborted();
        const items = await plan.fetch({ graph: run.graph, userId });
        const result = stream.normalize(items, chatId, run.normalize);
        rejects.push(...result.rejected);
        for (const warning of result.warnings) run.logger.warn({ chatId }, warning);
        rows.set(chatId, result.rows);
        if (plan.marked) marked.set(chatId, at);
      };
      tasks.push(
        run.followUpLimit(call).catch((error: unknown) => {
          if (isFatal(error)) run.stop(error);
          failures.push({ stream: stream.name, chatId, error });
        }),
      );
    }
  }
  await Promise.all(tasks);
  return { followUps: followUps as FollowUps, rejects, failures };
}

/** The follow-ups of several pages as one batch's. */
export function mergeFollowUps(parts: readonly CompletedFollowUps[]): CompletedFollowUps {
  const followUps: Partial<Record<FollowUpName, FollowUpRows<unknown>>> = {};
  for (const name of Object.keys(FOLLOW_UP_STREAMS) as FollowUpName[]) {
    const present = parts.flatMap((p): FollowUpRows<unknown>[] => {
      const f = p.followUps[name];
      return f ? [f] : [];
    });
    if (present.length === 0) continue;
    followUps[name] = {
      rows: new Map(present.flatMap((f) => [...f.rows])),
      marks: new Map(present.flatMap((f) => [...f.marks])),
    };
  }
  return {
    followUps: followUps as FollowUps,
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
  const followUps: Partial<Record<FollowUpName, FollowUpRows<unknown>>> = {};
  for (const [name, f] of Object.entries(all.followUps) as [
    FollowUpName,
    FollowUpRows<unknown>,
  ][]) {
    const only = <V>(map: ReadonlyMap<string, V>): Map<string, V> =>
      map.has(chatId) ? new Map([[chatId, map.get(chatId) as V]]) : new Map();
    followUps[name] = { rows: only(f.rows), marks: only(f.marks) };
  }
  return {
    followUps: followUps as FollowUps,
    rejects,
    failures: all.failures.filter((f) => f.chatId === chatId),
  };
}

/** Rows a batch loads per stream, for the run summary. */
export function rowsOf<S extends FollowUpName>(
  followUps: FollowUps,
  stream: S,
): readonly FollowUpRowTypes[S][] {
  const f = followUps[stream] as FollowUpRows<FollowUpRowTypes[S]> | undefined;
  return f ? [...f.rows.values()].flat() : [];
}
