/**
 * What the loader commits, in the two transactions a sync runs, and what it reports back:
 * the one vocabulary the orchestrator's warehouse port and the loader share.
 */
import type { Kysely } from "kysely";
import type { ListedChat, ListedViewpoint, Rejected } from "../normalize/rows.ts";
import type { Database } from "./schema.ts";
import type { UpsertOptions } from "./upsert-rows.ts";

/**
 * How one follow-up stream's rows reach their table inside a chat batch's transaction
 * (declared beside the table's upsert spec, e.g. chat-members-rows.ts).
 */
export interface FollowUpWriter<Row> {
  /** The table written (named in the load's counts). */
  readonly table: string;
  write(
    trx: Kysely<Database>,
    input: {
      readonly batch: ChatBatch;
      /** Per chat, the rows the stream brought (complete, for chats it ran for). */
      readonly rows: ReadonlyMap<string, readonly Row[]>;
      /**
       * Every chat of the batch was inserted by this transaction, so no row of theirs can
       * exist yet: the unchanged-row probe and any removal check can be skipped.
       */
      readonly fresh: boolean;
    },
    options: UpsertOptions,
  ): Promise<WriteCounts>;
}

/** What one follow-up stream brought for some chats of a batch, ready to write. */
export interface FollowUpLoad {
  /** The stream's name: its mark is the column `chats.<stream>_synced_raw`. */
  readonly stream: string;
  readonly table: string;
  /** The chats it brought rows for. */
  readonly chatIds: ReadonlySet<string>;
  /**
   * Per chat, the lastUpdatedDateTime (as sent) the stream was loaded at: the next run
   * skips the chat while its listing shows the same value. A chat re-polled without a full
   * listing leaves its mark alone and is not a key here.
   */
  readonly marks: ReadonlyMap<string, string | null>;
  write(
    trx: Kysely<Database>,
    batch: ChatBatch,
    fresh: boolean,
    options: UpsertOptions,
  ): Promise<WriteCounts>;
}

/** A stream's rows and marks bound to its writer. */
export function followUpLoad<Row>(
  stream: string,
  writer: FollowUpWriter<Row>,
  rows: ReadonlyMap<string, readonly Row[]>,
  marks: ReadonlyMap<string, string | null>,
): FollowUpLoad {
  return {
    stream,
    table: writer.table,
    chatIds: new Set(rows.keys()),
    marks,
    write: (trx, batch, fresh, options) => writer.write(trx, { batch, rows, fresh }, options),
  };
}

/**
 * The shared rows of some chats one user claimed in a run (the chat, its preview, and each
 * follow-up stream's rows), committed in one transaction with their follow-up marks and
 * the rejects met on the way. A chat's shared rows are loaded once per run this way.
 */
export interface ChatBatch {
  readonly runId: number;
  /** The claimant, named on the rejects; null for rejects that are no user's. */
  readonly userId: string | null;
  readonly seenAt: Date;
  /** Chat rows, previews and (possibly cut) member expansions. */
  readonly chats: readonly ListedChat[];
  /** In the order their tables are written (the streams' declared order). */
  readonly followUps: readonly FollowUpLoad[];
  readonly rejects: readonly Rejected[];
}

/**
 * One user's own rows, committed with its watermarks in one transaction once the shared
 * rows of every chat it listed are committed: its whole listing's viewpoints (a chat
 * absent from it is no longer the user's), its rejects and its progress row.
 */
export interface UserRows {
  readonly runId: number;
  readonly userId: string;
  readonly seenAt: Date;
  readonly viewpoints: readonly ListedViewpoint[];
  readonly rejects: readonly Rejected[];
  /** Per stream, the newest lastUpdatedDateTime (as sent) now loaded for the user. */
  readonly watermarks: ReadonlyMap<string, string>;
  /**
   * False when no earlier run committed this user, so its user_chats rows are almost surely
   * new: the upsert skips its probe for unchanged rows. Only the cost depends on it.
   */
  readonly mayHaveRows: boolean;
}

/** Rows one transaction wrote: inserted, changed, marked removed. */
export interface WriteCounts {
  readonly inserted: number;
  readonly updated: number;
  readonly removed: number;
}

/** What a load wrote, table by table (tables it did not touch are absent), and its rejects. */
export interface LoadResult {
  readonly tables: Readonly<Record<string, WriteCounts>>;
  readonly rejects: number;
}

export const NO_WRITES: WriteCounts = Object.freeze({ inserted: 0, updated: 0, removed: 0 });

/** Two transactions' writes together. */
export function addWrites(a: WriteCounts, b: WriteCounts): WriteCounts {
  return {
    inserted: a.inserted + b.inserted,
    updated: a.updated + b.updated,
    removed: a.removed + b.removed,
  };
}

/** The sum over tables: what the run summary counts. */
export function totalWrites(result: LoadResult): WriteCounts {
  let inserted = 0;
  let updated = 0;
  let removed = 0;
  for (const counts of Object.values(result.tables)) {
    inserted += counts.inserted;
    updated += counts.updated;
    removed += counts.removed;
  }
  return { inserted, updated, removed };
}
