import type { ChatMemberRow } from "../normalize/rows.ts";
import type { FollowUpWriter } from "./loads.ts";
import { markRemovedMembers } from "./mark-removed-members.ts";
import { upsertChatMembers } from "./upsert-chat-members.ts";

/**
 * The members stream's rows: complete member lists (a member absent from one has left and
 * gets removed_at), plus the listing's own expansion (at most 25 members: maybe cut) for
 * the chats whose complete list the stream did not bring, upserted but never used to
 * remove anyone.
 */
export const chatMembersWriter: FollowUpWriter<ChatMemberRow> = {
  table: "chat_members",
  async write(trx, { batch, rows: complete, fresh }, options) {
    const rows = [...complete.values()].flat();
    for (const listed of batch.chats) {
      if (listed.members && !complete.has(listed.chat.chat_id)) rows.push(...listed.members);
    }
    const written = await upsertChatMembers(trx, rows, batch.seenAt, {
      ...options,
      mayExist: !fresh,
    });
    const removed = fresh ? 0 : await markRemovedMembers(trx, complete, batch.seenAt);
    return { ...written, removed };
  },
};
