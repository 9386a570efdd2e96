import { chatMembersWriter } from "../../load/index.ts";
import { normalizeMembers } from "../../normalize/index.ts";
import type { ChatMemberRow } from "../../normalize/rows.ts";
import type { GraphCall } from "../ports.ts";
import type { FollowUpStream } from "./follow-up-stream.ts";

/** `GET /chats/{id}/members`, paged: the complete list. */
export function membersCall(chatId: string, userId?: string): GraphCall {
  return {
    version: "v1.0",
    path: ["chats", { id: chatId, what: "chat id" }, "members"],
    scope: "listMembers",
    stream: "members",
    chatId,
    ...(userId === undefined ? {} : { userId }),
    listing: `members of chat ${chatId}`,
  };
}

/**
 * A chat's complete member list. The listing's expansion is complete when it is not cut
 * (Graph expands at most 25 members); otherwise `GET /chats/{id}/members`, paged, for
 * chats new or changed since the members were last loaded.
 */
export const membersStream: FollowUpStream<"members", ChatMemberRow> = {
  name: "members",
  plan({ listed, changed }) {
    if (listed.members && !listed.membersMayBeTruncated) {
      return { kind: "listed", rows: listed.members };
    }
    if (!changed) return null;
    const chatId = listed.chat.chat_id;
    return {
      kind: "fetch",
      marked: true,
      // All pages or an error: a partial list would mark the missing members removed.
      fetch: ({ graph, userId }) => graph.listAll(membersCall(chatId, userId)),
    };
  },
  writer: chatMembersWriter,
  normalize(items, chatId, options) {
    const result = normalizeMembers(items, chatId, options);
    return { rows: result.members, rejected: result.rejected, warnings: result.warnings };
  },
};
