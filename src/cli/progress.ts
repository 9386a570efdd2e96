import cliProgress from "cli-progress";
import type { RunProgress } from "../sync/run-sync.ts";
import type { GraphCounters } from "../sync/ports.ts";

/**
 * A progress bar on stderr for interactive runs: users done/total, requests and their
 * rate, 429s. Non-interactive runs (cron, CI, pipes) get none: their record is the
 * structured log and the run summary.
 */
export function createProgressBar(
  counters: () => GraphCounters,
  stream: NodeJS.WriteStream,
): RunProgress {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format:
        "users {bar} {value}/{total} | failed {failed} | requests {requests} ({rate}/s) | 429s {throttled} | {duration_formatted}",
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let failed = 0;
  let startedAt = 0;
  let timer: NodeJS.Timeout | undefined;
  const payload = (): Record<string, string | number> => {
    const c = counters();
    const seconds = Math.max((Date.now() - startedAt) / 1000, 0.001);
    return {
      failed,
      requests: c.requests,
      throttled: c.throttled,
      rate: (c.requests / seconds).toFixed(1),
    };
  };
  return {
    start(total) {
      startedAt = Date.now();
      bar.start(total, 0, payload());
      timer = setInterval(() => bar.update(payload()), 500);
      timer.unref();
    },
    userDone({ ok }) {
      if (!ok) failed++;
      bar.increment(1, payload());
    },
    stop() {
      if (timer) clearInterval(timer);
      if (startedAt) {
        bar.update(payload());
        bar.stop();
      }
    },
  };
}
