/**
 * A stretch of ordinary tenant life, for nightly-run scenarios and benchmarks: some chats
 * get new messages (moving their previews), and some old messages elsewhere are edited,
 * reacted to, unreacted or deleted (moving only those messages). Events are spread over
 * the simulated period in time order; the draws have a stream of their own, so the same
 * seed and calls give the same day.
 */
import { memberIdentity } from "../generate/previews.ts";
import type { SimMessage } from "../model.ts";
import type { Prng } from "../random.ts";
import { SimError } from "../sim-error.ts";
import {
  deleteMessage,
  editMessage,
  reactToMessage,
  unreactToMessage,
} from "./message-mutations.ts";
import { postMessage } from "./mutations.ts";
import { applyDuePlans } from "./operation-progress.ts";
import type { ChatEntry, TenantStore } from "./store.ts";

export interface ActivityInput {
  /** Simulated time the activity spreads over (default one day). */
  readonly ms?: number;
  /** Share of live chats that get new messages (default 0.01, at least one chat). */
  readonly activeChatShare?: number;
  /** New messages per active chat (default 3). */
  readonly messagesPerActiveChat?: number;
  /** Edits, reactions, unreactions and deletions of existing messages (default 100). */
  readonly oldMessageChanges?: number;
}

export interface ActivitySummary {
  /** Chats that got new messages. */
  readonly activeChats: string[];
  posted: number;
  /** Changed existing messages, as `{ chatId, messageId, change }`, in time order. */
  readonly changes: { chatId: string; messageId: string; change: ChangeKind }[];
}

type ChangeKind = "edit" | "react" | "unreact" | "delete";
const CHANGES = { edit: 35, react: 40, unreact: 5, delete: 20 } as const;
const REACTIONS = ["👍", "❤️", "like", "laugh", "🎉"] as const;

export function simulateActivity(
  store: TenantStore,
  rng: Prng,
  input: ActivityInput = {},
): ActivitySummary {
  const ms = input.ms ?? 86_400_000;
  const chats = [...store.allChats()].filter((e) => tenantMembers(store, e).length > 0);
  if (!(ms >= 0)) throw new SimError(400, "BadRequest", "ms must be >= 0.");
  const activeCount =
    chats.length === 0
      ? 0
      : Math.max(1, Math.round(chats.length * (input.activeChatShare ?? 0.01)));
  const active = pickDistinct(rng, chats, activeCount);
  const perChat = input.messagesPerActiveChat ?? 3;
  const changes = input.oldMessageChanges ?? 100;
  type Event = { at: number; run: () => void };
  const events: Event[] = [];
  const summary: ActivitySummary = {
    activeChats: active.map((e) => e.state.id),
    posted: 0,
    changes: [],
  };
  for (const entry of active) {
    for (let i = 0; i < perChat; i++) {
      const from = rng.pick(tenantMembers(store, entry));
      events.push({
        at: rng.next() * ms,
        run: () => {
          if (!store.findChat(entry.state.id)) return;
          postMessage(store, entry.state.id, { from, content: `Activity ${rng.hex(6)}` });
          summary.posted++;
        },
      });
    }
  }
  const withHistory = chats.filter((e) => store.messages.count(e.state.id) > 1);
  for (let i = 0; i < changes && withHistory.length > 0; i++) {
    const entry = rng.pick(withHistory);
    const kind = rng.weighted<ChangeKind>(CHANGES);
    const draw = rng.next();
    events.push({ at: rng.next() * ms, run: () => change(store, rng, entry, kind, draw, summary) });
  }
  events.sort((a, b) => a.at - b.at);
  let elapsed = 0;
  for (const event of events) {
    const at = Math.floor(event.at);
    store.clock.advance(at - elapsed);
    applyDuePlans(store);
    elapsed = at;
    event.run();
  }
  store.clock.advance(ms - elapsed);
  applyDuePlans(store);
  return summary;
}

function change(
  store: TenantStore,
  rng: Prng,
  entry: ChatEntry,
  kind: ChangeKind,
  draw: number,
  summary: ActivitySummary,
): void {
  const chatId = entry.state.id;
  if (!store.findChat(chatId)) return;
  const target = oldMessage(store, chatId, draw);
  if (!target) return;
  const reactor = rng.pick(tenantMembers(store, entry));
  const mine = target.reactions.find((r) => r.user.id === reactor);
  let done: ChangeKind = kind;
  if (kind === "edit") {
    editMessage(store, chatId, target.id, { content: `${target.body.content} (edited)` });
  } else if (kind === "delete") {
    deleteMessage(store, chatId, target.id);
  } else if (kind === "unreact" && mine) {
    unreactToMessage(store, chatId, target.id, {
      userId: reactor,
      reactionType: mine.reactionType,
    });
  } else {
    const free = REACTIONS.filter(
      (t) => !target.reactions.some((r) => r.user.id === reactor && r.reactionType === t),
    );
    if (free.length === 0) return;
    reactToMessage(store, chatId, target.id, { userId: reactor, reactionType: rng.pick(free) });
    done = "react";
  }
  summary.changes.push({ chatId, messageId: target.id, change: done });
}

/** A message of the chat that can still change, found from a draw in [0, 1). */
function oldMessage(store: TenantStore, chatId: string, draw: number): SimMessage | undefined {
  const view = store.messages.view(chatId);
  const refs = view.order("createdDateTime");
  // Skip the newest (the preview) so that only old messages change.
  for (let attempt = 0; attempt < 20; attempt++) {
    const position = 1 + Math.floor(((draw + attempt * 0.618) % 1) * (refs.length - 1));
    const message = store.messages.messageAt(view, refs[position] ?? 0);
    if (
      message.messageType === "message" &&
      message.deletedDateTime === null &&
      message.from !== null
    )
      return message;
  }
  return undefined;
}

function tenantMembers(store: TenantStore, entry: ChatEntry): string[] {
  return Object.keys(entry.state.viewpoints).filter((id) =>
    entry.state.members.some((m) => memberIdentity(m).id === id),
  );
}

function pickDistinct<T>(rng: Prng, items: readonly T[], count: number): T[] {
  const pool = [...items];
  const out: T[] = [];
  while (out.length < count && pool.length > 0)
    out.push(pool.splice(rng.int(0, pool.length - 1), 1)[0] as T);
  return out;
}
