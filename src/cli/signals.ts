/**
 * One stop request for the whole process, shared by every command.
 *
 * The first SIGINT/SIGTERM aborts the signal: no new user starts, the work in flight
 * finishes and commits (users in flight, a migration, a status query), locks are released,
 * the warehouse is closed (the embedded server released: the last user stops it) and the
 * command exits. A second exits at once with 130: what is committed stays committed and
 * the next run converges; the process's leases on the embedded server go with it, so that
 * server's watchdog stops it within a second if nobody else uses it.
 */
let controller: AbortController | null = null;
const firstSignalListeners: ((signal: NodeJS.Signals) => void)[] = [];

export function shutdownSignal(): AbortSignal {
  if (controller) return controller.signal;
  const own = new AbortController();
  controller = own;
  const handle = (signal: NodeJS.Signals): void => {
    if (own.signal.aborted) {
      console.error(`teams-chat-sync: ${signal} again, exiting now`);
      process.exit(130);
    }
    for (const listener of firstSignalListeners) listener(signal);
    own.abort(new Error(`stopped by ${signal}`));
  };
  process.on("SIGINT", handle);
  process.on("SIGTERM", handle);
  return own.signal;
}

/** The shared stop signal; `onFirst` hears the first signal (e.g. to log what happens next). */
export function abortOnSignals(onFirst?: (signal: NodeJS.Signals) => void): AbortSignal {
  if (onFirst) firstSignalListeners.push(onFirst);
  return shutdownSignal();
}
