import type { Logger } from "../log.ts";
import type { NormalizeOptions } from "../normalize/index.ts";
import type { ChatClaims } from "./chat-claims.ts";
import type { MessagesRun } from "./messages/messages-run.ts";
import type { SyncOptions } from "./options.ts";
import type { GraphSource, Stream } from "./ports.ts";
import type { Warehouse } from "./warehouse.ts";

/** What a run shares between its users. */
export interface RunContext {
  readonly runId: number;
  readonly options: SyncOptions;
  readonly normalize: NormalizeOptions;
  readonly graph: GraphSource;
  /** A dry run's writes nothing (see dryRunWarehouse). */
  readonly warehouse: Warehouse;
  readonly logger: Logger;
  readonly now: () => Date;
  /** Per stream, per user: the watermark (raw lastUpdatedDateTime) of the last committed run. */
  readonly watermarks: ReadonlyMap<Stream, ReadonlyMap<string, string>>;
  /** Operations that had not ended at the last run, by chat: re-polled until they end. */
  readonly pendingOperations: ReadonlyMap<string, readonly string[]>;
  /** Which user loads each chat's shared rows in this run (the first to list it). */
  readonly claims: ChatClaims;
  /** Distinct chats listed in this run (a chat is in every member's listing). */
  readonly chatsSeen: Set<string>;
  /** Bounds follow-up calls in flight across the run (the rate limiter paces them). */
  readonly followUpLimit: <T>(fn: () => Promise<T>) => Promise<T>;
  /** The messages stream's state, when the run syncs messages. */
  readonly messages: MessagesRun | null;
  /** When the run started: a first round of message changes reads from a little before it. */
  readonly startedAt: Date;
  /** Aborted when the run stops on a fatal error: users stop at their next page. */
  readonly halt: AbortSignal;
  /** Stops the run (a follow-up call met a fatal error, e.g. a rejected token). */
  readonly stop: (error: unknown) => void;
}
