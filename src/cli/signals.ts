/**
 * SIGINT/SIGTERM abort the returned signal: no new user starts, the users in flight
 * finish and commit, locks are released, and the command exits. A second signal exits
 * at once (what is committed stays committed; the next run converges).
 */
export function abortOnSignals(onFirst?: (signal: NodeJS.Signals) => void): AbortSignal {
  const controller = new AbortController();
  const handle = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      console.error(`teams-chat-sync: ${signal} again, exiting now`);
      process.exit(130);
    }
    onFirst?.(signal);
    controller.abort(new Error(`stopped by ${signal}`));
  };
  process.on("SIGINT", handle);
  process.on("SIGTERM", handle);
  return controller.signal;
}
