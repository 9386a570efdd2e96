import type { GraphCall, GraphPage } from "../extract/index.ts";
import { FOLLOW_UP_STREAMS, type FollowUpName } from "./streams/index.ts";

export type { GraphCall };

/** What the orchestrator needs from Graph (implemented over src/extract). */
export interface GraphSource {
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
}

export interface GraphCounters {
  readonly requests: number;
  readonly throttled: number;
  readonly retries: number;
}

/** What a run can sync: the listing's own rows, and the declared follow-up streams. */
export type Stream = "chats" | "previews" | FollowUpName;
export const STREAMS: readonly Stream[] = [
  "chats",
  "previews",
  ...FOLLOW_UP_STREAMS.map((s) => s.name),
];
