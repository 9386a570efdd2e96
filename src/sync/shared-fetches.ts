/**
 * Follow-up calls (a chat's full member list, its operations) are made once per run
 * even though a chat shows up in the listing of every member user. Users that see the
 * chat before its rows are committed share the fetch (in flight or finished). Once a user
 * has committed the rows, later users skip the chat and only its key is kept, so memory
 * does not grow with the tenant. A fetch whose rows were never committed (the user's
 * transaction failed) is forgotten, so the next user that sees the chat fetches again.
 */
export class SharedFetches<T> {
  readonly #pending = new Map<string, Promise<T>>();
  readonly #committed = new Set<string>();

  /** The rows for `key`, fetched or shared; `undefined` when already committed this run. */
  once(key: string, fetch: () => Promise<T>): Promise<T | undefined> {
    if (this.#committed.has(key)) return Promise.resolve(undefined);
    let pending = this.#pending.get(key);
    if (!pending) {
      pending = fetch();
      this.#pending.set(key, pending);
      // A failed fetch is not shared: the next user tries again.
      pending.catch(() => this.#pending.delete(key));
    }
    return pending;
  }

  /** Call after the transaction holding the rows of these keys committed. */
  markCommitted(keys: Iterable<string>): void {
    for (const key of keys) {
      this.#pending.delete(key);
      this.#committed.add(key);
    }
  }

  /** Call when the rows of these keys were not committed: the next user fetches again. */
  forget(keys: Iterable<string>): void {
    for (const key of keys) this.#pending.delete(key);
  }
}
