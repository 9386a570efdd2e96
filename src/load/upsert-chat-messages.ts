import type { Kysely } from "kysely";
import type { NormalizedChatMessage } from "../normalize/rows.ts";
import { toJsonParam } from "./json-param.ts";
import {
  ATTACHMENTS,
  MENTIONS,
  MESSAGES,
  messageUpsert,
  partSet,
  REACTIONS,
  type PartCounts,
  type TableSpec,
  type WrittenMessage,
} from "./message-statement.ts";
import { executeNamedText } from "./named-statement.ts";
import type { Database } from "./schema.ts";
import { dedupeAndSort, type WriteCount } from "./upsert-rows.ts";

/** Writes to a table that holds each message's current set: deletions included. */
export interface SetWrites extends WriteCount {
  /** Rows removed because their message no longer has them. */
  readonly deleted: number;
}

export interface ChatMessageWrites {
  readonly chat_messages: WriteCount;
  readonly chat_message_mentions: SetWrites;
  readonly chat_message_reactions: SetWrites;
  readonly chat_message_attachments: SetWrites;
  /** Rows inserted, changed or deleted across the four tables: 0 when nothing changed. */
  readonly rowsWritten: number;
}

export interface ChatMessageUpsertOptions {
  /** Messages per statement (their parts travel with them). */
  readonly chunkSize?: number;
  /**
   * False when the messages are known new (a first read of chats no earlier run loaded):
   * the statement skips the probe that filters out unchanged messages. The outcome is
   * the same either way (a message that did exist goes through ON CONFLICT … WHERE).
   */
  readonly mayExist?: boolean;
}

/** A message row with its raw JSON is a few kB: 500 keep a statement's parameter near 1-2 MB. */
export const MESSAGE_CHUNK_SIZE = 500;

export const NO_MESSAGE_WRITES: ChatMessageWrites = Object.freeze({
  chat_messages: { inserted: 0, updated: 0 },
  chat_message_mentions: { inserted: 0, updated: 0, deleted: 0 },
  chat_message_reactions: { inserted: 0, updated: 0, deleted: 0 },
  chat_message_attachments: { inserted: 0, updated: 0, deleted: 0 },
  rowsWritten: 0,
});

/**
 * Loads normalized messages (any number of chats) so that the warehouse holds each as
 * Graph sent it last, with its current mentions, reactions and attachments:
 * - a message identical to the stored one is neither written nor locked, and its parts
 *   are not touched (they derive from the message, whose raw holds them), so an
 *   unchanged batch writes zero rows; last_seen_at moves only with a write and
 *   first_seen_at never does;
 * - for a message inserted or changed, parts no longer present are deleted and present
 *   ones upserted (rewritten only when they differ), so a reaction removed in Teams is
 *   removed here; a deleted message keeps its row with deleted_at and the empty body;
 * - per chunk of messages, one statement for the messages and, only when some were
 *   written, one per part table (see message-statement.ts for why not one in all);
 *   messages and parts in key order, so concurrent batches lock shared rows in the
 *   same order; a message given twice keeps the last copy, a part given twice the last.
 * Run it inside the caller's transaction to commit the rows with their cursor.
 */
export async function upsertChatMessages(
  db: Kysely<Database>,
  messages: readonly NormalizedChatMessage[],
  seenAt: Date,
  options: ChatMessageUpsertOptions = {},
): Promise<ChatMessageWrites> {
  if (messages.length === 0) return NO_MESSAGE_WRITES;
  const upsert = messageUpsert(options.mayExist ?? true);
  const chunkSize = options.chunkSize ?? MESSAGE_CHUNK_SIZE;
  const sorted = dedupeAndSort(
    messages.map((m) => ({ chat_id: m.message.chat_id, message_id: m.message.message_id, m })),
    ["chat_id", "message_id"],
  ).map((e) => e.m);
  let total = NO_MESSAGE_WRITES;
  for (let i = 0; i < sorted.length; i += chunkSize) {
    const chunk = sorted.slice(i, i + chunkSize);
    const json = toJsonParam(chunk.map((m) => pick(m.message, MESSAGES.columns)));
    const { rows: written } = await executeNamedText<WrittenMessage>(db, upsert, [json, seenAt]);
    if (written.length === 0) continue;
    const keys = new Set(written.map((w) => key(w.chat_id, w.message_id)));
    const changed = chunk.filter((m) => keys.has(key(m.message.chat_id, m.message.message_id)));
    // Rows that existed before: their parts may have to go. New ones have none yet.
    const existed = toJsonParam(
      written
        .filter((w) => !w.inserted)
        .map((w) => ({ chat_id: w.chat_id, message_id: w.message_id })),
    );
    const hadParts = written.some((w) => !w.inserted);
    const counts = {
      chat_messages: {
        inserted: written.filter((w) => w.inserted).length,
        updated: written.filter((w) => !w.inserted).length,
      },
      chat_message_mentions: await writeParts(
        db,
        MENTIONS,
        changed,
        (m) => m.mentions,
        existed,
        hadParts,
      ),
      chat_message_reactions: await writeParts(
        db,
        REACTIONS,
        changed,
        (m) => m.reactions,
        existed,
        hadParts,
      ),
      chat_message_attachments: await writeParts(
        db,
        ATTACHMENTS,
        changed,
        (m) => m.attachments,
        existed,
        hadParts,
      ),
    };
    total = add(total, counts);
  }
  return total;
}

/** One statement making the written messages' rows of one part table their current set. */
async function writeParts<Row extends object>(
  db: Kysely<Database>,
  spec: TableSpec,
  changed: readonly NormalizedChatMessage[],
  of: (m: NormalizedChatMessage) => readonly Row[],
  existed: string,
  hadParts: boolean,
): Promise<SetWrites> {
  const rows = changed.flatMap(of);
  if (rows.length === 0 && !hadParts) return NO_SET_WRITES;
  const sorted = dedupeAndSort(rows, spec.key as (keyof Row)[]).map((r) => pick(r, spec.columns));
  const { rows: result } = await executeNamedText<PartCounts>(db, partSet(spec), [
    toJsonParam(sorted),
    existed,
  ]);
  return result[0] ?? NO_SET_WRITES;
}

const NO_SET_WRITES: SetWrites = Object.freeze({ inserted: 0, updated: 0, deleted: 0 });

function key(chatId: string, messageId: string): string {
  return `${chatId.length}:${chatId}${messageId}`;
}

function pick(row: object, columns: Readonly<Record<string, string>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of Object.keys(columns)) out[c] = (row as Record<string, unknown>)[c];
  return out;
}

type Counts = Omit<ChatMessageWrites, "rowsWritten">;

function add(total: ChatMessageWrites, counts: Counts): ChatMessageWrites {
  const set = (a: SetWrites, b: SetWrites): SetWrites => ({
    inserted: a.inserted + b.inserted,
    updated: a.updated + b.updated,
    deleted: a.deleted + b.deleted,
  });
  const sum = {
    chat_messages: {
      inserted: total.chat_messages.inserted + counts.chat_messages.inserted,
      updated: total.chat_messages.updated + counts.chat_messages.updated,
    },
    chat_message_mentions: set(total.chat_message_mentions, counts.chat_message_mentions),
    chat_message_reactions: set(total.chat_message_reactions, counts.chat_message_reactions),
    chat_message_attachments: set(total.chat_message_attachments, counts.chat_message_attachments),
  };
  const rowsWritten =
    sum.chat_messages.inserted +
    sum.chat_messages.updated +
    [sum.chat_message_mentions, sum.chat_message_reactions, sum.chat_message_attachments].reduce(
      (n, w) => n + w.inserted + w.updated + w.deleted,
      0,
    );
  return { ...sum, rowsWritten };
}
