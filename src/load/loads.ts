/**
 * What the loader commits, in the two transactions a sync runs, and what it reports back:
 * the one vocabulary the orchestrator's warehouse port and the loader share.
 */
import type {
  ChatMemberRow,
  ChatOperationRow,
  ListedChat,
  ListedViewpoint,
  Rejected,
} from "../normalize/rows.ts";
import type { DataTable } from "./table-statistics.ts";

/** The row each follow-up stream brings per chat (one entry per stream: see follow-up-writers.ts). */
export interface FollowUpRowTypes {
  /** The chat's complete member list: members absent from it are marked removed. */
  members: ChatMemberRow;
  /** The chat's operations listed, or re-polled. */
  operations: ChatOperationRow;
}

export type FollowUpName = keyof FollowUpRowTypes;

/** What one follow-up stream brought for some chats of a batch. */
export interface FollowUpRows<Row> {
  /** Per chat, the rows the stream fetched (or took from a complete expansion). */
  readonly rows: ReadonlyMap<string, readonly Row[]>;
  /**
   * Per chat, the lastUpdatedDateTime (as sent) the stream was loaded at: the next run
   * skips the chat while its listing shows the same value. A chat re-polled without a full
   * listing leaves its mark alone and is not a key here.
   */
  readonly marks: ReadonlyMap<string, string | null>;
}

export type FollowUps = { readonly [S in FollowUpName]?: FollowUpRows<FollowUpRowTypes[S]> };

/**
 * The shared rows of some chats one user claimed in a run (the chat, its members, its
 * preview, its operations), committed in one transaction with their follow-up marks and
 * the rejects met on the way. A chat's shared rows are loaded once per run this way.
 */
export interface ChatBatch {
  readonly runId: number;
  /** The claimant, named on the rejects; null for rejects that are no user's. */
  readonly userId: string | null;
  readonly seenAt: Date;
  /** Chat rows, previews and (possibly cut) member expansions. */
  readonly chats: readonly ListedChat[];
  readonly followUps: FollowUps;
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
  readonly tables: Readonly<Partial<Record<DataTable, WriteCounts>>>;
  readonly rejects: number;
}

export const NO_WRITES: WriteCounts = Object.freeze({ inserted: 0, updated: 0, removed: 0 });

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
