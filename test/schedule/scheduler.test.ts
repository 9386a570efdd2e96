import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfigError } from "../../src/errors.ts";
import { createLogger } from "../../src/log.ts";
import {
  runScheduler,
  type SchedulerDeps,
  type SchedulerLogger,
  type SchedulerOptions,
} from "../../src/schedule/scheduler.ts";

interface LogLine {
  readonly level: "info" | "warn" | "error";
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

function recordingLogger(): { lines: LogLine[]; logger: SchedulerLogger } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine["level"]) =>
    (fields: object, message: string): void => {
      lines.push({ level, fields: fields as Record<string, unknown>, message });
    };
  return { lines, logger: { info: at("info"), warn: at("warn"), error: at("error") } };
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

interface Harness {
  readonly done: Promise<void>;
  readonly settled: () => boolean;
  readonly runs: Date[];
  readonly lines: LogLine[];
  readonly abort: () => void;
}

/** Starts the scheduler at `startIso` under fake timers; runs take `runMs` unless overridden. */
function start(
  startIso: string,
  options: Partial<SchedulerOptions> = {},
  deps: Partial<Omit<SchedulerDeps, "signal" | "logger">> & { runMs?: number } = {},
): Harness {
  vi.useFakeTimers({ now: new Date(startIso) });
  const { lines, logger } = recordingLogger();
  const controller = new AbortController();
  const runs: Date[] = [];
  const runMs = deps.runMs ?? 1000;
  let isSettled = false;
  const done = runScheduler(
    { cron: "0 2 * * *", timezone: "UTC", catchUp: true, ...options },
    {
      runOnce:
        deps.runOnce ??
        (async () => {
          runs.push(new Date());
          await new Promise((r) => setTimeout(r, runMs));
          return { status: "succeeded" };
        }),
      lastRunStartedAt: deps.lastRunStartedAt ?? (async () => new Date(startIso)),
      logger,
      signal: controller.signal,
      ...(deps.now ? { now: deps.now } : {}),
    },
  ).finally(() => {
    isSettled = true;
  });
  done.catch(() => undefined);
  return { done, settled: () => isSettled, runs, lines, abort: () => controller.abort() };
}

/** Aborts, lets fake time pass so a run in flight can end, and waits for the scheduler. */
async function stop(h: Harness): Promise<void> {
  h.abort();
  await vi.advanceTimersByTimeAsync(3_600_000);
  await h.done;
}

const messages = (lines: readonly LogLine[], text: string): LogLine[] =>
  lines.filter((l) => l.message.includes(text));

afterEach(() => {
  vi.useRealTimers();
});

describe("scheduler: ticks and next-run logging", () => {
  it("runs on every tick of the expression and logs the next run at start and after each run", async () => {
    const h = start("2025-01-01T00:30:00Z", { cron: "0 2 * * *", timezone: "Europe/Berlin" });
    await vi.advanceTimersByTimeAsync(0);
    // 02:00 in Berlin in winter is 01:00 UTC.
    expect(messages(h.lines, "scheduler started")[0]?.fields).toMatchObject({
      cron: "0 2 * * *",
      timezone: "Europe/Berlin",
      nextRunAt: "2025-01-01T01:00:00.000Z",
    });
    expect(h.runs).toEqual([]);

    await vi.advanceTimersByTimeAsync(30 * 60_000 - 1);
    expect(h.runs).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.runs.map((d) => d.toISOString())).toEqual(["2025-01-01T01:00:00.000Z"]);

    await vi.advanceTimersByTimeAsync(1000); // the run takes a second
    expect(messages(h.lines, "scheduled run finished")[0]?.fields).toMatchObject({
      status: "succeeded",
      durationMs: 1000,
    });
    expect(messages(h.lines, "next run").at(-1)?.fields.nextRunAt).toBe("2025-01-02T01:00:00.000Z");

    await vi.advanceTimersByTimeAsync(24 * 3_600_000);
    expect(h.runs.map((d) => d.toISOString())).toEqual([
      "2025-01-01T01:00:00.000Z",
      "2025-01-02T01:00:00.000Z",
    ]);
    expect(messages(h.lines, "next run").at(-1)?.fields.nextRunAt).toBe("2025-01-03T01:00:00.000Z");
    await stop(h);
  });

  it("passes trigger 'cron' and logs a partial run as a warning and a failed one as an error", async () => {
    const statuses = ["partial", "failed"];
    const triggers: string[] = [];
    const h = start(
      "2025-01-01T01:59:00Z",
      {},
      {
        runOnce: async (trigger) => {
          triggers.push(trigger);
          return { status: statuses.shift() ?? "succeeded" };
        },
      },
    );
    await vi.advanceTimersByTimeAsync(24 * 3_600_000 + 60_000);
    expect(triggers).toEqual(["cron", "cron"]);
    const finished = messages(h.lines, "scheduled run finished");
    expect(finished.map((l) => [l.level, l.fields.status])).toEqual([
      ["warn", "partial"],
      ["error", "failed"],
    ]);
    await stop(h);
  });

  it("keeps scheduling after a run throws, logging the error", async () => {
    let calls = 0;
    const h = start(
      "2025-01-01T01:59:00Z",
      {},
      {
        runOnce: async () => {
          calls++;
          if (calls === 1) throw new Error("database went away");
          return { status: "succeeded" };
        },
      },
    );
    await vi.advanceTimersByTimeAsync(24 * 3_600_000 + 60_000);
    expect(calls).toBe(2);
    const thrown = messages(h.lines, "scheduled run threw");
    expect(thrown).toHaveLength(1);
    expect((thrown[0]?.fields.err as Error).message).toBe("database went away");
    await stop(h);
  });

  it("accepts the project's pino logger", async () => {
    const chunks: string[] = [];
    const destination = new (await import("node:stream")).Writable({
      write(chunk, _encoding, callback) {
        chunks.push(String(chunk));
        callback();
      },
    });
    const controller = new AbortController();
    controller.abort();
    await runScheduler(
      { cron: "0 2 * * *", timezone: "UTC" },
      {
        runOnce: async () => ({ status: "succeeded" }),
        lastRunStartedAt: async () => null,
        logger: createLogger({ level: "info", destination }),
        signal: controller.signal,
      },
    );
    expect(chunks.join("")).toContain('"msg":"scheduler started"');
  });
});

describe("scheduler: one run at a time", () => {
  it("skips a tick that comes while a run is going and logs it, never running two at once", async () => {
    let running = 0;
    let maxRunning = 0;
    const startedAt: string[] = [];
    const h = start(
      "2025-01-01T00:00:30Z",
      { cron: "* * * * *" },
      {
        runOnce: async () => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          startedAt.push(new Date().toISOString());
          await new Promise((r) => setTimeout(r, 150_000)); // 2.5 minutes
          running--;
          return { status: "succeeded" };
        },
      },
    );
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    // 00:01 runs until 00:03:30 (00:02 and 00:03 skipped), 00:04 runs (00:05 skipped).
    expect(startedAt).toEqual(["2025-01-01T00:01:00.000Z", "2025-01-01T00:04:00.000Z"]);
    expect(maxRunning).toBe(1);
    const skipped = messages(h.lines, "tick skipped");
    expect(skipped.map((l) => l.fields.tick)).toEqual([
      "2025-01-01T00:02:00.000Z",
      "2025-01-01T00:03:00.000Z",
      "2025-01-01T00:05:00.000Z",
    ]);
    expect(skipped.every((l) => l.level === "warn")).toBe(true);
    expect(skipped[0]?.fields.runningSince).toBe("2025-01-01T00:01:00.000Z");
    await stop(h);
  });
});

describe("scheduler: catch-up at start", () => {
  it("runs once at start when ticks were missed while it was down, not once per missed tick", async () => {
    const h = start(
      "2025-01-05T08:00:00Z",
      {},
      { lastRunStartedAt: async () => new Date("2025-01-01T02:00:05Z") },
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(h.runs.map((d) => d.toISOString())).toEqual(["2025-01-05T08:00:00.000Z"]);
    expect(messages(h.lines, "catching up")[0]?.fields).toMatchObject({
      missedTick: "2025-01-05T02:00:00.000Z",
      lastRunStartedAt: "2025-01-01T02:00:05.000Z",
    });
    // Nothing more until the next tick, 2025-01-06 02:00.
    await vi.advanceTimersByTimeAsync(18 * 3_600_000 - 1);
    expect(h.runs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.runs.map((d) => d.toISOString())).toEqual([
      "2025-01-05T08:00:00.000Z",
      "2025-01-06T02:00:00.000Z",
    ]);
    await stop(h);
  });

  it("does not catch up when the last run started after the most recent tick", async () => {
    const h = start(
      "2025-01-05T08:00:00Z",
      {},
      { lastRunStartedAt: async () => new Date("2025-01-05T02:00:03Z") },
    );
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.runs).toEqual([]);
    expect(messages(h.lines, "catching up")).toEqual([]);
    await stop(h);
  });

  it("counts a run that started just before the tick (clock skew) as that tick's", async () => {
    const h = start(
      "2025-01-05T08:00:00Z",
      {},
      { lastRunStartedAt: async () => new Date("2025-01-05T01:59:30Z") },
    );
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.runs).toEqual([]);
    await stop(h);
  });

  it("does not catch up when catchUp is false, however old the last run", async () => {
    const h = start(
      "2025-01-05T08:00:00Z",
      { catchUp: false },
      { lastRunStartedAt: async () => new Date("2024-01-01T00:00:00Z") },
    );
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.runs).toEqual([]);
    await stop(h);
  });

  it("does not catch up when no run was ever recorded, and says the first run waits", async () => {
    const h = start("2025-01-05T08:00:00Z", {}, { lastRunStartedAt: async () => null });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.runs).toEqual([]);
    expect(messages(h.lines, "no run recorded yet")).toHaveLength(1);
    await stop(h);
  });

  it("still schedules when the last run cannot be read, logging why there is no catch-up", async () => {
    const h = start(
      "2025-01-05T01:00:00Z",
      {},
      {
        lastRunStartedAt: async () => {
          throw new Error("relation teams.sync_runs does not exist");
        },
      },
    );
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(messages(h.lines, "could not read the last run")[0]?.level).toBe("error");
    expect(h.runs.map((d) => d.toISOString())).toEqual(["2025-01-05T02:00:00.000Z"]);
    await stop(h);
  });

  it("skips a tick that comes during the catch-up run", async () => {
    const h = start(
      "2025-01-05T01:59:00Z",
      {},
      { lastRunStartedAt: async () => new Date("2025-01-03T02:00:00Z"), runMs: 5 * 60_000 },
    );
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(h.runs.map((d) => d.toISOString())).toEqual(["2025-01-05T01:59:00.000Z"]);
    expect(messages(h.lines, "tick skipped")[0]?.fields).toMatchObject({
      tick: "2025-01-05T02:00:00.000Z",
      runningReason: "catch-up",
    });
    await stop(h);
  });

  it("runs once after the clock jumps past several ticks (suspend), not once per tick", async () => {
    const h = start("2025-01-01T01:00:00Z");
    await vi.advanceTimersByTimeAsync(0);
    // The machine sleeps for three days: wall time jumps, timers did not run meanwhile.
    vi.setSystemTime(new Date("2025-01-04T09:00:00Z"));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.runs).toHaveLength(1);
    expect(messages(h.lines, "tick fired late")[0]?.fields.tick).toBe("2025-01-01T02:00:00.000Z");
    await vi.advanceTimersByTimeAsync(2000);
    expect(messages(h.lines, "next run").at(-1)?.fields.nextRunAt).toBe("2025-01-05T02:00:00.000Z");
    await stop(h);
  });
});

describe("scheduler: stopping", () => {
  it("on abort waits for the run in flight to finish, then resolves without starting another", async () => {
    const finishRun = deferred<{ status: string }>();
    let calls = 0;
    const h = start(
      "2025-01-01T01:59:00Z",
      {},
      {
        runOnce: () => {
          calls++;
          return finishRun.promise;
        },
      },
    );
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toBe(1);

    h.abort();
    await vi.advanceTimersByTimeAsync(3 * 24 * 3_600_000);
    expect(h.settled()).toBe(false);
    expect(messages(h.lines, "waiting for the run in flight")).toHaveLength(1);

    finishRun.resolve({ status: "succeeded" });
    await h.done;
    expect(calls).toBe(1);
    expect(h.lines.at(-1)?.message).toBe("scheduler stopped");
  });

  it("on abort while idle resolves at once without running", async () => {
    const h = start("2025-01-01T01:00:00Z");
    await vi.advanceTimersByTimeAsync(0);
    h.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.settled()).toBe(true);
    await h.done;
    await vi.advanceTimersByTimeAsync(2 * 3_600_000);
    expect(h.runs).toEqual([]);
  });

  it("waits for a catch-up run in flight when aborted during it", async () => {
    const finishRun = deferred<{ status: string }>();
    const h = start(
      "2025-01-05T08:00:00Z",
      {},
      {
        lastRunStartedAt: async () => new Date("2025-01-01T00:00:00Z"),
        runOnce: () => finishRun.promise,
      },
    );
    await vi.advanceTimersByTimeAsync(0);
    h.abort();
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.settled()).toBe(false);
    finishRun.resolve({ status: "succeeded" });
    await h.done;
  });
});

describe("scheduler: configuration errors", () => {
  const invalid: ReadonlyArray<readonly [Partial<SchedulerOptions>, RegExp]> = [
    [{ cron: "every night" }, /invalid cron expression "every night".*"0 2 \* \* \*"/],
    [{ cron: "0 25 * * *" }, /hour field "25"/],
    [{ cron: "  " }, /no cron expression given.*"0 2 \* \* \*"/],
    [{ cron: "0 0 30 2 *" }, /never fires/],
    [{ timezone: "Europe/Atlantis" }, /unknown time zone "Europe\/Atlantis"/],
  ];

  for (const [options, message] of invalid) {
    it(`rejects ${JSON.stringify(options)} with a ConfigError before running anything`, async () => {
      const h = start("2025-01-05T08:00:00Z", options, {
        lastRunStartedAt: async () => new Date("2024-01-01T00:00:00Z"),
      });
      const error = await h.done.then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(message);
      await vi.advanceTimersByTimeAsync(3 * 24 * 3_600_000);
      expect(h.runs).toEqual([]);
    });
  }
});
