import pLimit from "p-limit";
import { addWrites, type MessageCursors, type WriteCounts } from "../../load/index.ts";
import { normalizeChatMessages, type NormalizeOptions } from "../../normalize/index.ts";
import type { NormalizedChatMessage, Rejected } from "../../normalize/rows.ts";
import { GraphHttpError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import { describeError, isFatal, type UserFailure } from "../failures.ts";
import type { GraphPage, GraphSource } from "../ports.ts";
import type { Warehouse } from "../warehouse.ts";

/** Chats whose history is read at once across the run (Graph allows 1 request/s per chat). */
const CHAT_READS = 32;

export interface MessagesContext {
  readonly runId: number;
  readonly graph: GraphSource;
  readonly warehouse: Warehouse;
  readonly logger: Logger;
  readonly normalize: NormalizeOptions;
  readonly now: () => Date;
  /** Stops the run (a fatal error: a rejected token, the database gone). */
  readonly stop: (error: unknown) => void;
  readonly halt: AbortSignal;
}

/** What reading one source did. */
interface ReadOutcome {
  readonly messages: number;
  readonly written: WriteCounts;
}

/**
 * The messages stream of one run: what each source has read, the dedup of messages that
 * several sources bring (a chat's messages come once per member in each member's
 * changes), and the one-line stop when Graph refuses messages to the app altogether.
 */
export class MessagesRun {
  readonly failures: UserFailure[] = [];
  messages = 0;
  written: WriteCounts = { inserted: 0, updated: 0, removed: 0 };
  rejects = 0;
  readonly #seen = new Set<string>();
  readonly #chatReads = pLimit(CHAT_READS);
  readonly #pending: Promise<void>[] = [];
  /** Set once Graph answers 403 to messages: the app lacks the permission or the approval. */
  #refused: string | null = null;

  constructor(
    readonly context: MessagesContext,
    readonly cursors: MessageCursors,
  ) {}

  get refused(): boolean {
    return this.#refused !== null;
  }

  /** Queues a read; the run waits for every read before it ends (settled()). */
  schedule(owner: string, read: () => Promise<ReadOutcome>): void {
    const task = this.#chatReads(async () => {
      if (this.#refused !== null || this.context.halt.aborted) return;
      try {
        this.count(await read());
      } catch (error) {
        this.fail(owner, error);
      }
    });
    this.#pending.push(task);
  }

  /** Runs a read now (a user's changes, in the user's own slot). */
  async run(owner: string, read: () => Promise<ReadOutcome>): Promise<void> {
    if (this.#refused !== null || this.context.halt.aborted) return;
    try {
      this.count(await read());
    } catch (error) {
      this.fail(owner, error);
    }
  }

  async settled(): Promise<void> {
    while (this.#pending.length > 0) await Promise.allSettled(this.#pending.splice(0));
  }

  /**
   * A page's messages, normalized, without those this run already loaded at the same
   * version (the same change read through another member's changes).
   */
  normalizePage(
    page: GraphPage,
    chatId: string | null,
    dedupe: boolean,
  ): { messages: NormalizedChatMessage[]; rejects: readonly Rejected[] } {
    const result = normalizeChatMessages(page.items, chatId, this.context.normalize);
    for (const warning of result.warnings) this.context.logger.warn({ chatId }, warning);
    // A chat's history is read once per run: only the changes (once per member) repeat.
    if (!dedupe) return { messages: result.messages, rejects: result.rejected };
    const messages = result.messages.filter((m) => {
      const key = `${m.message.chat_id}\u0000${m.message.message_id}\u0000${m.message.last_modified_raw ?? ""}`;
      if (this.#seen.has(key)) return false;
      this.#seen.add(key);
      return true;
    });
    return { messages, rejects: result.rejected };
  }

  private count(outcome: ReadOutcome): void {
    this.messages += outcome.messages;
    this.written = addWrites(this.written, outcome.written);
  }

  private fail(owner: string, error: unknown): void {
    if (isFatal(error)) {
      this.context.stop(error);
      return;
    }
    if (this.context.halt.aborted) return;
    if (error instanceof GraphHttpError && error.status === 403) {
      // The same for every chat and user: say it once, with what to grant, and read no more.
      if (this.#refused !== null) return;
      this.#refused =
        "Graph refused to read chat messages (403): the app needs the application permission " +
        "Chat.Read.All with admin consent and, where Microsoft still requires it, approval for " +
        "protected APIs (https://aka.ms/teamsgraph/requestaccess); the other streams were synced";
      this.context.logger.error({ err: error }, this.#refused);
      this.failures.push({
        userId: owner,
        stream: "messages",
        httpStatus: 403,
        error: this.#refused,
      });
      return;
    }
    this.failures.push({ userId: owner, stream: "messages", ...describeError(error) });
  }
}
