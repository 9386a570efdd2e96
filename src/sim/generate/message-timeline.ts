/**
 * A chat's message skeleton: for every message, its id, its `createdDateTime` and its
 * `lastModifiedDateTime` as sent (in typed arrays, about 30 bytes a message), the order
 * by `lastModifiedDateTime`, and the chat's story. Message bodies are not kept: they are
 * drawn again from each message's own PRNG stream when a page needs them.
 */
import { Prng } from "../random.ts";
import type { ChatBasis, MessageGenContext } from "./message-context.ts";
import { drawPlan, type MessagePlan, type MessageRole } from "./message-plan.ts";
import { chatScript, type ChatScript } from "./message-script.ts";
import { STEERED_RANKS, steerOf } from "./message-steering.ts";
import { messageTimes, type MessageTimes } from "./message-times.ts";
import { messageCount } from "./message-volume.ts";

export interface ChatTimeline {
  readonly basis: ChatBasis;
  readonly n: number;
  readonly times: MessageTimes;
  readonly script: ChatScript;
  /** Indices of the script's system events, ascending. */
  readonly eventIndices: Int32Array;
  readonly modifiedMs: Float64Array;
  readonly modifiedTicks: Uint16Array;
  /** Indices ordered by `lastModifiedDateTime` desc, then id desc. */
  readonly byModified: Uint32Array;
}

/** The chat's skeleton, or null for a chat without messages (no preview). */
export function buildTimeline(basis: ChatBasis, ctx: MessageGenContext): ChatTimeline | null {
  const preview = basis.preview;
  if (preview === null) return null;
  const rng = Prng.from(ctx.seed, "messages", basis.id);
  const drawn = messageCount(rng, ctx.volume, basis.ordinal, basis.chatType);
  const times = messageTimes(
    rng,
    basis.createdDateTime,
    preview,
    drawn,
    basis.chatType !== "oneOnOne",
  );
  const script = chatScript(rng, basis, ctx, times);
  const eventIndices = Int32Array.from([...script.events.keys()].sort((a, b) => a - b));
  const { n } = times;
  const modifiedMs = new Float64Array(n);
  const modifiedTicks = new Uint16Array(n);
  const partial = { basis, n, times, script, eventIndices };
  for (let i = 0; i < n; i++) {
    const { plan } = planOf(partial, ctx, i);
    modifiedMs[i] = plan.modified.ms;
    modifiedTicks[i] = plan.modified.ticks;
  }
  const byModified = Uint32Array.from({ length: n }, (_, i) => i);
  byModified.sort((a, b) => {
    const d = (modifiedMs[b] ?? 0) - (modifiedMs[a] ?? 0);
    if (d !== 0) return d;
    const t = (modifiedTicks[b] ?? 0) - (modifiedTicks[a] ?? 0);
    return t !== 0 ? t : (times.idMs[b] ?? 0) - (times.idMs[a] ?? 0);
  });
  return { ...partial, modifiedMs, modifiedTicks, byModified };
}

type TimelineCore = Pick<ChatTimeline, "basis" | "n" | "times" | "script" | "eventIndices">;

/** The message's own stream, positioned after its plan, and the plan. */
export function planOf(
  timeline: TimelineCore,
  ctx: MessageGenContext,
  index: number,
): { rng: Prng; plan: MessagePlan; role: MessageRole; rank: number } {
  const { basis, n, times, script } = timeline;
  const rng = Prng.from(ctx.seed, "message", basis.id, index);
  const rank = index - lowerBound(timeline.eventIndices, index);
  const preview = basis.preview;
  const role: MessageRole =
    index === n - 1 && preview !== null
      ? {
          type: "preview",
          deleted: preview.isDeleted,
          system: preview.messageType === "systemEventMessage",
        }
      : script.events.has(index)
        ? { type: "system" }
        : {
            type: "ordinary",
            botsPost: script.botsPost,
            steer: rank < STEERED_RANKS ? steerOf(basis.ordinal, rank) : undefined,
          };
  const created = { ms: times.createdMs[index] ?? 0, ticks: times.createdTicks[index] ?? 0 };
  const plan = drawPlan(rng, role, created, times.idMs[index] ?? 0, ctx.nowMs);
  return { rng, plan, role, rank };
}

function lowerBound(sorted: Int32Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] ?? 0) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
