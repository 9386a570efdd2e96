import { normalizeMembers } from "../../normalize/index.ts";
import type { FollowUpStream } from "./follow-up-stream.ts";

/**
 * A chat's complete member list. The listing's expansion is complete when it is not cut
 * (Graph expands at most 25 members); otherwise `GET /chats/{id}/members`, paged, for
 * chats new or changed since the members were last loaded.
 */
export const membersStream: FollowUpStream<"members"> = {
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
      fetch: ({ graph, userId }) => graph.chatMembers(chatId, { userId }),
    };
  },
  normalize(items, chatId, options) {
    const result = normalizeMembers(items, chatId, options);
    return { rows: result.members, rejected: result.rejected, warnings: result.warnings };
  },
};
