import type { ChatOperationRow } from "../normalize/rows.ts";
import type { FollowUpWriter } from "./loads.ts";
import { upsertChatOperations } from "./upsert-chat-operations.ts";

/** The operations stream's rows: every operation listed or re-polled, upserted. */
export const chatOperationsWriter: FollowUpWriter<ChatOperationRow> = {
  table: "chat_operations",
  async write(trx, { batch, rows }, options) {
    const all = [...rows.values()].flat();
    return { ...(await upsertChatOperations(trx, all, batch.seenAt, options)), removed: 0 };
  },
};
