/** What the orchestrator needs from Graph (implemented over src/extract). */
export interface GraphSource {
  /** Every user of the tenant as listed (GET /users, paged; items unchecked). */
  listUsers(): AsyncIterable<unknown>;
  /** A user id for an id or a UPN (GET /users/{idOrUpn}). */
  resolveUserId(idOrUpn: string): Promise<string>;
  /** The user's chat listing, page by page, as Graph sent the items. */
  userChatPages(userId: string): AsyncIterable<readonly unknown[]>;
  /** A chat's complete member list; `call.userId` (who asked) is named on errors. */
  chatMembers(chatId: string, call?: ChatCall): Promise<readonly unknown[]>;
  /** A chat's async operations (beta). */
  chatOperations(chatId: string, call?: ChatCall): Promise<readonly unknown[]>;
  /** One operation, for re-polling the ones that have not ended. */
  chatOperation(chatId: string, operationId: string, call?: ChatCall): Promise<unknown>;
  counters(): GraphCounters;
}

/** Who a chat call is made for: named on its errors. */
export interface ChatCall {
  readonly userId?: string;
}

export interface GraphCounters {
  readonly requests: number;
  readonly throttled: number;
  readonly retries: number;
}

export type Stream = "chats" | "members" | "previews" | "operations";
export const STREAMS: readonly Stream[] = ["chats", "members", "previews", "operations"];
