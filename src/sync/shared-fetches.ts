/**
 * Follow-up calls (a chat's full member list, its operations) are made once per run
 * even though a chat shows up in the listing of every member user. Users that see the
 * chat while the fetch is in flight share its result. Once a user has committed the
 * rows, later users skip the chat and only its key is kept, so memory does not grow
 * with the tenant. A fetch whose rows were never committed (the user's transaction
 * failed) is not remembered, so the next user that sees the chat fetches it again.
 */
export class SharedFetches<T> {
  readonly #inFlight = new Map<string, Promise<T>>();
  readonly #committed = new Set<string>();

  /** The rows for `key`, fetched or shared; `undefined` when already committed this run. */
  async once(key: string, fetch: () => Promise<T>): Promise<T | undefined> {
    if (this.#committed.has(key)) return undefined;
    const pending = this.#inFlight.get(key);
    if (pending) return pending;
    const started = fetch();
    this.#inFlight.set(key, started);
    try {
      return await started;
    } finally {
      this.#inFlight.delete(key);
    }
  }

  /** Call after the transaction holding the rows of these keys committed. */
  markCommitted(keys: Iterable<string>): void {
    for (const key of keys) this.#committed.add(key);
  }
}
