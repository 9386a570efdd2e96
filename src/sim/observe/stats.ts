/**
 * What tests observe: a bounded request log and counters per route kind and status,
 * throttling and Retry-After violations. Never records headers or bodies, so tokens and
 * client secrets cannot leak into it.
 */
import type { RouteKind } from "../route-kind.ts";
import type { RetryAfterViolation } from "../throttle/retry-after-tracker.ts";

export interface RequestLogEntry {
  /** 1-based sequence number since the last reset. */
  readonly seq: number;
  readonly method: string;
  readonly path: string;
  /** Query parameters as received (decoded). */
  readonly query: Record<string, string>;
  readonly status: number;
  readonly routeKind: RouteKind;
  readonly userId: string | null;
  readonly chatId: string | null;
  /** Answered 429 by the throttle. */
  readonly throttled: boolean;
  /** The Retry-After sent, in seconds, if any. */
  readonly retryAfterSeconds: number | null;
  /** The fault that shaped the answer, if any. */
  readonly fault: string | null;
  /** Wall-clock arrival time (ISO). */
  readonly at: string;
  /** Arrival on the simulator process's monotonic clock (`performance.now()`, sub-ms). */
  readonly arrivedAtMs: number;
  /** Simulated time at arrival. */
  readonly simTime: string;
  readonly durationMs: number;
}

export interface SimStats {
  readonly requests: number;
  readonly byRouteKind: Partial<Record<RouteKind, number>>;
  /** Keyed by status code as a string ("200", "429", "0" for a reset connection). */
  readonly byStatus: Record<string, number>;
  readonly throttled: number;
  readonly retryAfterViolations: number;
  readonly violations: readonly RetryAfterViolation[];
  /** Times each fault rule fired, by its index in the current rule list. */
  readonly faultsFired: readonly { index: number; kind: string; fired: number }[];
  /** The most recent requests, oldest first (at most `requestLogLimit`). */
  readonly log: readonly RequestLogEntry[];
}

export class StatsRecorder {
  private seq = 0;
  private log: RequestLogEntry[] = [];
  private byRouteKind: Partial<Record<RouteKind, number>> = {};
  private byStatus: Record<string, number> = {};
  private throttled = 0;
  private violations: RetryAfterViolation[] = [];

  constructor(private readonly logLimit: number) {}

  nextSeq(): number {
    return ++this.seq;
  }

  record(entry: RequestLogEntry): void {
    this.byRouteKind[entry.routeKind] = (this.byRouteKind[entry.routeKind] ?? 0) + 1;
    const status = String(entry.status);
    this.byStatus[status] = (this.byStatus[status] ?? 0) + 1;
    if (entry.throttled) this.throttled++;
    if (this.logLimit > 0) {
      this.log.push(entry);
      // Trim in chunks: amortized O(1) per request at benchmark rates.
      if (this.log.length > this.logLimit * 1.25) this.log = this.log.slice(-this.logLimit);
    }
  }

  violation(violation: RetryAfterViolation): void {
    this.violations.push(violation);
  }

  snapshot(faultsFired: SimStats["faultsFired"]): SimStats {
    return structuredClone({
      requests: Object.values(this.byRouteKind).reduce((sum, n) => sum + n, 0),
      byRouteKind: this.byRouteKind,
      byStatus: this.byStatus,
      throttled: this.throttled,
      retryAfterViolations: this.violations.length,
      violations: this.violations,
      faultsFired,
      log: this.log.slice(-this.logLimit),
    });
  }

  reset(): void {
    this.seq = 0;
    this.log = [];
    this.byRouteKind = {};
    this.byStatus = {};
    this.throttled = 0;
    this.violations = [];
  }
}
