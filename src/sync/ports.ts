import type {
  ChatMemberRow,
  ChatOperationRow,
  ListedChat,
  ListedViewpoint,
  Rejected,
} from "../normalize/rows.ts";

/** What the orchestrator needs from Graph (implemented over src/extract). */
export interface GraphSource {
  /** Every user id of the tenant (GET /users, paged). */
  listUserIds(): AsyncIterable<string>;
  /** A user id for an id or a UPN (GET /users/{idOrUpn}). */
  resolveUserId(idOrUpn: string): Promise<string>;
  /** The user's chat listing, page by page, as Graph sent the items. */
  userChatPages(userId: string): AsyncIterable<readonly unknown[]>;
  /** A chat's complete member list. */
  chatMembers(chatId: string): Promise<readonly unknown[]>;
  /** A chat's async operations (beta). */
  chatOperations(chatId: string): Promise<readonly unknown[]>;
  /** One operation, for re-polling the ones that have not ended. */
  chatOperation(chatId: string, operationId: string): Promise<unknown>;
  counters(): GraphCounters;
}

export interface GraphCounters {
  readonly requests: number;
  readonly throttled: number;
  readonly retries: number;
}

export type Stream = "chats" | "members" | "previews" | "operations";
export const STREAMS: readonly Stream[] = ["chats", "members", "previews", "operations"];

/**
 * One user's own rows, committed with its watermarks in one transaction once the shared
 * rows of every chat it listed are committed (see ChatsLoad): its whole listing.
 */
export interface UserLoad {
  readonly runId: number;
  readonly userId: string;
  readonly seenAt: Date;
  /** Every chat listed, read for the user's viewpoint; chats absent are gone for the user. */
  readonly viewpoints: readonly ListedViewpoint[];
  readonly rejects: readonly Rejected[];
  readonly watermarks: ReadonlyMap<Stream, string>;
  /**
   * False when no earlier run committed this user (no watermark in any stream), so that
   * its user_chats rows are almost surely new: the upsert skips its probe for unchanged
   * rows. Only the cost depends on it, never the outcome; absent means true.
   */
  readonly userChatsMayExist?: boolean;
}

/** The shared rows of some chats one user claimed in the run, committed in one transaction. */
export interface ChatsLoad {
  readonly runId: number;
  /** The claimant (named on the rejects); null for rejects that are no user's. */
  readonly userId: string | null;
  readonly seenAt: Date;
  readonly chats: readonly ListedChat[];
  readonly completeMembers: ReadonlyMap<string, readonly ChatMemberRow[]>;
  readonly operations: readonly ChatOperationRow[];
  readonly rejects: readonly Rejected[];
  readonly followUpMarks: {
    readonly members: ReadonlyMap<string, string | null>;
    readonly operations: ReadonlyMap<string, string | null>;
  };
}

export interface WriteCounts {
  readonly inserted: number;
  readonly updated: number;
}
