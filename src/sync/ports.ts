import type { GraphCall, GraphPage } from "../extract/index.ts";
import { FOLLOW_UP_STREAMS, type FollowUpName } from "./streams/index.ts";

export type { GraphCall, GraphPage };

/** What the orchestrator needs from Graph (implemented over src/extract). */
export interface GraphSource {
  /** Graph's root (GRAPH_BASE_URL): the only origin links kept between runs may point to. */
  readonly baseUrl: string;
  /** Every user of the tenant as listed (GET /users, paged; items unchecked). */
  listUsers(): AsyncIterable<unknown>;
  /** A user id for an id or a UPN (GET /users/{idOrUpn}). */
  resolveUserId(idOrUpn: string): Promise<string>;
  /** The user's chat listing, page by page, as Graph sent the items. */
  userChatPages(userId: string): AsyncIterable<readonly unknown[]>;
  /** A declared call's collection, page by page; `from` continues at a kept (delta) link. */
  pages(call: GraphCall, from?: string): AsyncIterable<GraphPage>;
  /** Every item of a declared call's collection (all pages or an error). */
  listAll(call: GraphCall): Promise<readonly unknown[]>;
  /** A declared call's single object. */
  getObject(call: GraphCall): Promise<unknown>;
  counters(): GraphCounters;
  /** Graph's clock as its responses told it (Date headers): the first and latest seen. */
  serverTime(): { readonly first: Date | null; readonly latest: Date | null };
}

export interface GraphCounters {
  readonly requests: number;
  readonly throttled: number;
  readonly retries: number;
}

/**
 * What a run can sync: the listing's own rows, the declared follow-up streams, and the
 * chat messages (read from their own sources, see src/sync/messages).
 */
export type Stream = "chats" | "previews" | FollowUpName | "messages";
export const STREAMS: readonly Stream[] = [
  "chats",
  "previews",
  ...FOLLOW_UP_STREAMS.map((s) => s.name),
  "messages",
];
/**
 * What a run syncs unless `--streams` says otherwise: messages are added by naming them,
 * since they need the Chat.Read.All permission (and, where Microsoft still asks for it,
 * protected-API approval).
 */
export const DEFAULT_STREAMS: readonly Stream[] = STREAMS.filter((s) => s !== "messages");
