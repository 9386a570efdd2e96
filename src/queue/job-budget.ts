import type { RunProgress } from "../sync/run-sync.ts";

/** How long a batch job starts users for (graphile-worker takes a job back after 4 hours). */
export const DEFAULT_JOB_BUDGET_MS = 30 * 60_000;

/**
 * The time a batch job may spend starting users: once `budgetMs` have passed and at least
 * one of its users has finished, `signal` aborts, so that the batch starts no more users
 * (those in flight finish and commit) and hands the rest to a new job. A job thus ends
 * well within graphile-worker's 4-hour lock however large its users are, and every job
 * makes progress, even one whose budget ran out before its first user finished.
 */
export class JobBudget {
  readonly #controller = new AbortController();
  readonly #timer: NodeJS.Timeout;
  #expired = false;
  #usersDone = 0;

  constructor(budgetMs: number) {
    this.#timer = setTimeout(() => {
      this.#expired = true;
      this.#check();
    }, budgetMs);
    this.#timer.unref();
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Whether the budget stopped the batch from starting users. */
  get spent(): boolean {
    return this.#controller.signal.aborted;
  }

  /** Counts finished users (syncUserBatch calls it before starting the next one). */
  readonly progress: RunProgress = {
    start: () => undefined,
    userDone: () => {
      this.#usersDone++;
      this.#check();
    },
    stop: () => undefined,
  };

  clear(): void {
    clearTimeout(this.#timer);
  }

  #check(): void {
    if (this.#expired && this.#usersDone > 0 && !this.spent) {
      this.#controller.abort(new Error("the job's time budget is spent"));
    }
  }
}
