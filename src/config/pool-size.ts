/**
 * How many connections the warehouse pool may open, from what a command runs at once.
 *
 * A sync runs `concurrency` users at once, and each user in flight needs at most:
 * - one connection for its writes: its chat batches commit one after another (sync-user's
 *   BATCHES_IN_FLIGHT; raise CONNECTIONS_PER_USER with it), its own rows and watermarks
 *   after the last of them, and the ANALYZE a load may trigger in turn after its commit;
 * - one more for follow-up-mark reads: each page of claimed chats reads its chats' marks as
 *   soon as it arrives, without waiting for the read of the page before it to end.
 * The run's own statements (opening and closing its record, reading watermarks and pending
 * operations, sweeping deleted chats) run before or after the users, and a user's failure
 * is recorded in that user's turn, so they need no connection of their own.
 *
 * The run lock is outside the pool: it holds a connection of its own, so against the
 * server's max_connections a sync counts poolSize + 1. pg opens pooled connections only
 * when they are asked for, so a pool larger than a run's peak costs nothing; one smaller
 * makes loads queue for a connection, each for up to the pool's connection timeout.
 */
export const CONNECTIONS_PER_USER = 2;

/** migrate and status run their statements one at a time; the second is a spare. */
export const COMMAND_POOL_SIZE = 2;

/** The pool of a command: derived from the sync's concurrency, or the small one without. */
export function poolSizeFor(sync: { readonly concurrency: number } | undefined): number {
  if (sync === undefined) return COMMAND_POOL_SIZE;
  return Math.max(COMMAND_POOL_SIZE, sync.concurrency * CONNECTIONS_PER_USER);
}
