import type { FollowUpWriter } from "../../load/index.ts";
import type { NormalizeOptions } from "../../normalize/index.ts";
import type { ListedChat, Rejected } from "../../normalize/rows.ts";
import type { GraphSource } from "../ports.ts";

/** What a follow-up stream knows when it decides about one claimed chat. */
export interface PlanInput {
  readonly listed: ListedChat;
  /**
   * The chat is new or changed since the stream was last loaded for it (the user's
   * watermark minus the lookback, and the chat's mark; always true in a backfill).
   */
  readonly changed: boolean;
  /** Operations of the chat that had not ended at the last run (re-polled until they end). */
  readonly pendingOperations: readonly string[] | undefined;
}

/** Who asks, for the calls' error context and the normalizer's options. */
export interface FetchContext {
  readonly graph: GraphSource;
  /** The claimant: named on the call's errors. */
  readonly userId: string;
}

/** What a stream does for a chat this run. */
export type FollowUpPlan<Row> =
  /** The listing already holds the complete rows (no call); the chat is marked. */
  | { readonly kind: "listed"; readonly rows: readonly Row[] }
  /** A call to Graph; `marked`: a full listing that marks the chat (a re-poll does not). */
  | {
      readonly kind: "fetch";
      readonly marked: boolean;
      readonly fetch: (context: FetchContext) => Promise<readonly unknown[]>;
    };

export interface NormalizedItems<Row> {
  readonly rows: Row[];
  readonly rejected: readonly Rejected[];
  readonly warnings: readonly string[];
}

/**
 * A follow-up stream, declared: the rows a claimed chat needs beyond its listing item, when
 * it needs them, how they are fetched and normalized, and the writer that takes them to
 * their table. The lastUpdatedDateTime it loaded a chat at is its mark
 * (`chats.<name>_synced_raw`, added by its migration), so an unchanged chat costs nothing.
 */
export interface FollowUpStream<Name extends string, Row> {
  readonly name: Name;
  /** Null: nothing to do for this chat in this run. */
  plan(input: PlanInput): FollowUpPlan<Row> | null;
  normalize(
    items: readonly unknown[],
    chatId: string,
    options: NormalizeOptions,
  ): NormalizedItems<Row>;
  readonly writer: FollowUpWriter<Row>;
}

/**
 * A stream as the run handles every stream: its rows flow only from its own plan and
 * normalize to its own writer, so their type can be set aside here, once.
 */
export type AnyFollowUpStream = FollowUpStream<string, unknown>;

export function erased<Name extends string, Row>(
  stream: FollowUpStream<Name, Row>,
): FollowUpStream<Name, unknown> {
  return stream as unknown as FollowUpStream<Name, unknown>;
}
