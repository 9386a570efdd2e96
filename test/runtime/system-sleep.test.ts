import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { systemSleep } from "../../src/runtime.ts";

describe("systemSleep", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const settled = (promise: Promise<void>) => {
    const state = { done: false, error: undefined as unknown };
    promise.then(
      () => (state.done = true),
      (error: unknown) => ((state.done = true), (state.error = error)),
    );
    return state;
  };

  it("resolves once its time has passed, and not before", async () => {
    const sleep = settled(systemSleep(1_000));
    await vi.advanceTimersByTimeAsync(999);
    expect(sleep.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(sleep).toEqual({ done: true, error: undefined });
  });

  it("treats a negative time as none", async () => {
    const sleep = settled(systemSleep(-50));
    await vi.advanceTimersByTimeAsync(0);
    expect(sleep).toEqual({ done: true, error: undefined });
  });

  it("rejects with the signal's reason as soon as it aborts, and leaves no timer behind", async () => {
    const controller = new AbortController();
    const sleep = settled(systemSleep(60_000, controller.signal));
    await vi.advanceTimersByTimeAsync(10);
    const reason = new Error("stopping");
    controller.abort(reason);
    await vi.advanceTimersByTimeAsync(0);
    expect(sleep).toEqual({ done: true, error: reason });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("rejects at once when the signal has already aborted", async () => {
    const reason = new Error("already stopped");
    const sleep = settled(systemSleep(60_000, AbortSignal.abort(reason)));
    await vi.advanceTimersByTimeAsync(0);
    expect(sleep).toEqual({ done: true, error: reason });
    expect(vi.getTimerCount()).toBe(0);
  });
});
