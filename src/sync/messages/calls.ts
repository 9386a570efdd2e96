import type { GraphCall } from "../ports.ts";

/**
 * Graph's filter on `lastModifiedDateTime` takes `gt` and `lt` only (`ge`/`le` are refused)
 * and is silently ignored without an `$orderby` on the same property: every filtered call
 * sends both. Timestamps go unquoted, as Graph's examples write them.
 */
function modifiedAfter(since: string | null): string {
  const order = "$orderby=lastModifiedDateTime%20desc";
  return since === null ? order : `${order}&$filter=lastModifiedDateTime%20gt%20${since}`;
}

/**
 * A chat's messages, newest change first (`GET /chats/{id}/messages`, at most 50 a page),
 * changed after `since` when given. System events' `messageType` reads
 * `unknownFutureValue` unless the request asks for the newer enum members.
 */
export function chatMessagesCall(chatId: string, userId: string, since: string | null): GraphCall {
  return {
    version: "v1.0",
    path: ["chats", { id: chatId, what: "chat id" }, "messages"],
    query: `$top=50&${modifiedAfter(since)}`,
    scope: "listMessages",
    stream: "messages",
    chatId,
    userId,
    unknownEnums: true,
    listing: `messages of chat ${chatId}`,
  };
}

/**
 * The first round of a user's message changes (`getAllMessages/delta`), from `since`: its
 * pages end with the delta link the next run continues from. A first round takes `$top`
 * and a `gt` filter on lastModifiedDateTime, nothing else.
 */
export function messageChangesCall(userId: string, since: string): GraphCall {
  return {
    version: "v1.0",
    path: ["users", { id: userId, what: "user id" }, "chats", "getAllMessages", "delta"],
    query: `$top=50&$filter=lastModifiedDateTime%20gt%20${since}`,
    scope: "getAllMessagesDelta",
    stream: "messages",
    userId,
    unknownEnums: true,
    listing: `message changes of user ${userId}`,
  };
}
