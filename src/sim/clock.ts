/**
 * The simulated clock. Default mode is `manual`: time stands still until `advance(ms)`,
 * so tests are deterministic (operations progress, read times move, only when a test
 * says so). `realtime` follows the machine's monotonic clock (times `speed`) from the
 * start date, for demos; `advance` still jumps ahead in that mode.
 */
import { formatGraphTime } from "./graph-time.ts";
import type { GraphTimestamp } from "./model.ts";

export const DEFAULT_CLOCK_START = "2024-06-03T09:00:00Z";

export interface SimClockOptions {
  /** The simulated instant at start (default 2024-06-03T09:00:00Z). */
  readonly start?: string | number | Date;
  /** `manual` (default): moves only through `advance`. `realtime`: also moves with real time. */
  readonly mode?: "manual" | "realtime";
  /** Simulated milliseconds per real millisecond in `realtime` mode (default 1). */
  readonly speed?: number;
}

export class SimClock {
  readonly startMs: number;
  readonly mode: "manual" | "realtime";
  private readonly speed: number;
  private readonly realStart: number;
  private offsetMs = 0;
  private lastMs: number;

  constructor(
    options: SimClockOptions = {},
    private readonly realNow: () => number = () => performance.now(),
  ) {
    const start = options.start ?? DEFAULT_CLOCK_START;
    this.startMs =
      start instanceof Date
        ? start.getTime()
        : typeof start === "number"
          ? start
          : Date.parse(start);
    if (!Number.isFinite(this.startMs))
      throw new RangeError(`invalid clock start: ${String(start)}`);
    this.mode = options.mode ?? "manual";
    this.speed = options.speed ?? 1;
    this.realStart = realNow();
    this.lastMs = this.startMs;
  }

  /** Current simulated time, whole milliseconds since the epoch; never goes backwards. */
  nowMs(): number {
    const elapsed = this.mode === "realtime" ? (this.realNow() - this.realStart) * this.speed : 0;
    const now = Math.floor(this.startMs + this.offsetMs + elapsed);
    this.lastMs = Math.max(this.lastMs, now);
    return this.lastMs;
  }

  now(): GraphTimestamp {
    return formatGraphTime(this.nowMs());
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0)
      throw new RangeError(`cannot advance the clock by ${ms} ms`);
    this.offsetMs += ms;
  }
}
