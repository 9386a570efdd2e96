import type { Kysely } from "kysely";
import type {
  ChatBatch,
  FollowUpName,
  FollowUpRows,
  FollowUpRowTypes,
  WriteCounts,
} from "./loads.ts";
import { markRemovedMembers } from "./mark-removed-members.ts";
import type { Database } from "./schema.ts";
import type { DataTable } from "./table-statistics.ts";
import { upsertChatMembers } from "./upsert-chat-members.ts";
import { upsertChatOperations } from "./upsert-chat-operations.ts";
import type { UpsertOptions } from "./upsert-rows.ts";

export interface FollowUpWrite<Row> {
  readonly batch: ChatBatch;
  /** What the stream brought for the batch's chats, if it ran for any. */
  readonly complete: FollowUpRows<Row> | undefined;
  /**
   * Every chat of the batch was inserted by this transaction, so no row of theirs can exist
   * yet: the unchanged-row probe and any removal check can be skipped.
   */
  readonly fresh: boolean;
}

/** How a follow-up stream's rows reach their table, inside a chat batch's transaction. */
export interface FollowUpWriter<Row> {
  readonly table: DataTable;
  write(
    trx: Kysely<Database>,
    input: FollowUpWrite<Row>,
    options: UpsertOptions,
  ): Promise<WriteCounts>;
}

const members: FollowUpWriter<FollowUpRowTypes["members"]> = {
  table: "chat_members",
  async write(trx, { batch, complete, fresh }, options) {
    const rows = [...(complete?.rows.values() ?? [])].flat();
    // The listing's own expansion (at most 25 members: maybe cut) for the chats whose
    // complete list the stream did not bring: upserted, never used to remove anyone.
    for (const listed of batch.chats) {
      if (listed.members && !complete?.rows.has(listed.chat.chat_id)) rows.push(...listed.members);
    }
    const written = await upsertChatMembers(trx, rows, batch.seenAt, {
      ...options,
      mayExist: !fresh,
    });
    // A complete list is the truth for its chat: members absent from it have left.
    const removed =
      fresh || !complete ? 0 : await markRemovedMembers(trx, complete.rows, batch.seenAt);
    return { ...written, removed };
  },
};

const operations: FollowUpWriter<FollowUpRowTypes["operations"]> = {
  table: "chat_operations",
  async write(trx, { batch, complete }, options) {
    const rows = [...(complete?.rows.values() ?? [])].flat();
    return { ...(await upsertChatOperations(trx, rows, batch.seenAt, options)), removed: 0 };
  },
};

/**
 * One writer per follow-up stream, in the order every transaction writes their tables (a
 * fixed table order, rows in key order: concurrent batches never deadlock).
 */
export const FOLLOW_UP_WRITERS: {
  readonly [S in FollowUpName]: FollowUpWriter<FollowUpRowTypes[S]>;
} = { members, operations };

export const FOLLOW_UP_NAMES = Object.keys(FOLLOW_UP_WRITERS) as readonly FollowUpName[];

/** Runs one stream's writer on what the batch brought for it. */
export function writeFollowUp<S extends FollowUpName>(
  trx: Kysely<Database>,
  stream: S,
  batch: ChatBatch,
  fresh: boolean,
  options: UpsertOptions,
): Promise<WriteCounts> {
  const writer: FollowUpWriter<FollowUpRowTypes[S]> = FOLLOW_UP_WRITERS[stream];
  return writer.write(trx, { batch, complete: batch.followUps[stream], fresh }, options);
}
