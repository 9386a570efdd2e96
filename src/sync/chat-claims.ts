import type { Stream } from "./ports.ts";

/** What became of a chat's shared rows in this run, once its claimant committed them. */
export interface ChatSettled {
  /** Follow-up streams whose call failed for the chat (its other rows committed). */
  readonly failed: ReadonlySet<Stream>;
}

const LOADED: Promise<ChatSettled> = Promise.resolve({ failed: new Set() });

export interface Claim {
  settle(outcome: ChatSettled): void;
  fail(error: unknown): void;
}

/**
 * A chat is in the listing of every member user, but its shared rows (the chat, its
 * members, its preview, its operations) are loaded once per run: by the first user whose
 * listing shows it, its claimant, in a short transaction of their own. Every other user
 * that lists the chat keeps only its viewpoint, and waits for the claim to settle before
 * committing its watermark, so no watermark moves past shared rows that did not commit;
 * a follow-up that failed holds back the watermarks of every user that listed the chat.
 * No two transactions of a run write the same shared row, so users never wait on each
 * other's locks and there is nothing to deadlock. A settled claim costs one map entry.
 */
export class ChatClaims {
  readonly #claims = new Map<string, Promise<ChatSettled>>();

  has(chatId: string): boolean {
    return this.#claims.has(chatId);
  }

  /** Makes the caller the chat's claimant, or returns null when someone already is. */
  claim(chatId: string): Claim | null {
    if (this.#claims.has(chatId)) return null;
    let settle!: (outcome: ChatSettled) => void;
    let fail!: (error: unknown) => void;
    const settled = new Promise<ChatSettled>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
    // Nobody may be waiting when it fails: that is not an unhandled rejection.
    settled.catch(() => undefined);
    this.#claims.set(chatId, settled);
    return {
      settle: (outcome) => {
        // Keep one shared promise for the usual outcome instead of one per chat.
        if (outcome.failed.size === 0) this.#claims.set(chatId, LOADED);
        settle(outcome);
      },
      fail: (error) => {
        // A later listing claims the chat again.
        this.#claims.delete(chatId);
        fail(error);
      },
    };
  }

  /** Settles when the claimant committed the chat's shared rows (rejects if that failed). */
  settled(chatId: string): Promise<ChatSettled> {
    return this.#claims.get(chatId) ?? LOADED;
  }
}
