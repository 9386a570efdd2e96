/**
 * What the messages benchmarks share: the tenant they sync, the streams and routes that
 * are "messages", and the request counts of each possible source, from the simulator's
 * ground truth, at Graph's limits (GRAPH.md's throttling table, scale 1):
 * - per-chat history reads (`GET /chats/{id}/messages`, $top 50): one chain of pages per
 *   chat, at least one request each, against 20/s per tenant and 1/s per chat;
 * - per-user exports (`getAllMessages` and its delta, $top 50): one chain per user over
 *   every chat the user is in, so each chat's messages come once per member, against
 *   200/s per tenant.
 */
import type { Simulator, SimulatorOptions } from "../src/sim/index.ts";
import { STREAMS } from "../src/sync/ports.ts";
import type { BenchParams } from "./support.ts";

/** A messages backfill syncs every stream (`--streams chats,members,previews,operations,messages`). */
export const MESSAGE_STREAMS: readonly string[] = [...STREAMS];

/** The simulator's routes that read messages. */
export const MESSAGE_ROUTES: readonly string[] = [
  "listMessages",
  "getMessage",
  "getAllMessages",
  "getAllMessagesDelta",
];

/** Graph's page size for both sources. */
const PAGE = 50;
/** Graph's limits at scale 1, requests per second. */
export const GRAPH_RATES = { chatMessagesTenant: 20, chatMessagesChat: 1, getAllMessages: 200 };

export function messagesTenantOptions(params: BenchParams): SimulatorOptions {
  return {
    users: params.messagesTenant.users,
    messages: params.messagesTenant.messages,
    seed: params.seed,
  };
}

/** Per chat, its message count; per user, the messages of the chats the user is in. */
export interface MessageTruth {
  readonly users: number;
  readonly chats: number;
  readonly messages: number;
  readonly perChat: ReadonlyMap<string, number>;
  /** Per chat, the users whose chat list holds it (getAllMessages serves it to each). */
  readonly membersOf: ReadonlyMap<string, readonly string[]>;
  readonly perUser: ReadonlyMap<string, number>;
  readonly largestChat: { readonly id: string; readonly messages: number };
}

/** Counts from the simulator (no message content is generated). */
export function messageTruth(sim: Simulator): MessageTruth {
  const state = sim.state();
  const perChat = new Map<string, number>();
  const membersOf = new Map<string, string[]>();
  const perUser = new Map<string, number>(state.users.map((u) => [u.id, 0]));
  let largestChat = { id: "", messages: -1 };
  let messages = 0;
  for (const chat of state.chats) {
    const count = sim.tenant.messageCount(chat.id);
    const members = Object.keys(chat.viewpoints);
    perChat.set(chat.id, count);
    membersOf.set(chat.id, members);
    messages += count;
    if (count > largestChat.messages) largestChat = { id: chat.id, messages: count };
    for (const user of members) perUser.set(user, (perUser.get(user) ?? 0) + count);
  }
  return {
    users: state.users.length,
    chats: state.chats.length,
    messages,
    perChat,
    membersOf,
    perUser,
    largestChat,
  };
}

/** Pages of a chain of `items` (one request even when empty: Graph answers an empty page). */
export function pagesOf(items: number): number {
  return Math.max(1, Math.ceil(items / PAGE));
}

export interface SourceCost {
  readonly requests: number;
  /** Messages transferred (and parsed): each chat's once, or once per member user. */
  readonly messagesRead: number;
  /** The longest chain of pages (a chat's history, or a user's export): read one after another. */
  readonly longestChain: number;
  /** Seconds at Graph's limits: the most loaded budget dimension. */
  readonly graphSeconds: number;
  readonly bound: string;
}

/**
 * A first read of every chat's whole history through each source: Σ over chats of
 * pages(messages), against 20/s per tenant and 1/s for the largest chat; or Σ over users
 * of pages(messages in the user's chats), against 200/s.
 */
export function backfillCosts(truth: MessageTruth): { perChat: SourceCost; perUser: SourceCost } {
  let chatRequests = 0;
  let longestChat = 0;
  for (const count of truth.perChat.values()) {
    chatRequests += pagesOf(count);
    longestChat = Math.max(longestChat, pagesOf(count));
  }
  let userRequests = 0;
  let userMessages = 0;
  let longestUser = 0;
  for (const count of truth.perUser.values()) {
    userRequests += pagesOf(count);
    userMessages += count;
    longestUser = Math.max(longestUser, pagesOf(count));
  }
  const tenantSeconds = chatRequests / GRAPH_RATES.chatMessagesTenant;
  const chatSeconds = longestChat / GRAPH_RATES.chatMessagesChat;
  return {
    perChat: {
      requests: chatRequests,
      messagesRead: truth.messages,
      longestChain: longestChat,
      graphSeconds: Math.max(tenantSeconds, chatSeconds),
      bound: tenantSeconds >= chatSeconds ? "chatMessages per tenant" : "largest chat (1/s)",
    },
    perUser: {
      requests: userRequests,
      messagesRead: userMessages,
      longestChain: longestUser,
      graphSeconds: userRequests / GRAPH_RATES.getAllMessages,
      bound: "getAllMessages per tenant",
    },
  };
}

/**
 * A night through each source, given the messages that changed per chat (new, edited,
 * reacted, deleted): a per-chat read of every synced chat (`$filter` on
 * lastModifiedDateTime past its cursor: one request even when nothing changed), or one
 * delta round per user (one request when nothing changed, more pages for a user whose
 * chats changed more than a page's worth).
 */
export function nightCosts(
  truth: MessageTruth,
  changedPerChat: ReadonlyMap<string, number>,
): { perChat: SourceCost; perUser: SourceCost } {
  let chatRequests = 0;
  let changed = 0;
  for (const chatId of truth.perChat.keys()) {
    const n = changedPerChat.get(chatId) ?? 0;
    chatRequests += pagesOf(n);
    changed += n;
  }
  const perUserChanged = new Map<string, number>([...truth.perUser.keys()].map((u) => [u, 0]));
  for (const [chatId, n] of changedPerChat) {
    for (const user of truth.membersOf.get(chatId) ?? [])
      perUserChanged.set(user, (perUserChanged.get(user) ?? 0) + n);
  }
  let userRequests = 0;
  let userMessages = 0;
  for (const n of perUserChanged.values()) {
    userRequests += pagesOf(n);
    userMessages += n;
  }
  return {
    perChat: {
      requests: chatRequests,
      messagesRead: changed,
      longestChain: Math.max(0, ...[...changedPerChat.values()].map(pagesOf)),
      graphSeconds: chatRequests / GRAPH_RATES.chatMessagesTenant,
      bound: "chatMessages per tenant",
    },
    perUser: {
      requests: userRequests,
      messagesRead: userMessages,
      longestChain: Math.max(0, ...[...perUserChanged.values()].map(pagesOf)),
      graphSeconds: userRequests / GRAPH_RATES.getAllMessages,
      bound: "getAllMessages per tenant",
    },
  };
}

/** Requests per message route, and their sum, from the simulator's counters. */
export function messageRequests(byRouteKind: Partial<Record<string, number>>): {
  total: number;
  byRoute: Record<string, number>;
} {
  const byRoute: Record<string, number> = {};
  let total = 0;
  for (const route of MESSAGE_ROUTES) {
    const n = byRouteKind[route] ?? 0;
    if (n > 0) byRoute[route] = n;
    total += n;
  }
  return { total, byRoute };
}
