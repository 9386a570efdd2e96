import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  classifyFailure,
  defaultRetryPolicy,
  nextDelayMs,
  parseRetryAfter,
  type RetryPolicy,
} from "../../src/extract/retry-policy.ts";

const nowMs = Date.parse("2024-05-01T12:00:00Z");

describe("parseRetryAfter", () => {
  it.each([
    ["2", 2000],
    ["0", 0],
    ["2.128", 2128],
    [" 30 ", 30_000],
    ["0.0001", 1],
  ])("reads delta seconds %j as %i ms", (header, expected) => {
    expect(parseRetryAfter(header, nowMs)).toBe(expected);
  });

  it("reads an HTTP date as the time left until it", () => {
    expect(parseRetryAfter("Wed, 01 May 2024 12:00:07 GMT", nowMs)).toBe(7000);
  });

  it("treats an HTTP date in the past as no wait", () => {
    expect(parseRetryAfter("Wed, 01 May 2024 11:59:00 GMT", nowMs)).toBe(0);
  });

  it.each([undefined, null, "", "  ", "-1", "1e3", "soon", "NaN", "Wed, 99 Foo 2024"])(
    "ignores a missing or unreadable header %j",
    (header) => {
      expect(parseRetryAfter(header, nowMs)).toBeUndefined();
    },
  );
});

describe("nextDelayMs", () => {
  const policy: RetryPolicy = {
    ...defaultRetryPolicy,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    jitterRatio: 0.2,
  };

  it("waits exactly what Retry-After says, even beyond the backoff cap", () => {
    expect(nextDelayMs(policy, 1, 2128, () => 0)).toBe(2128);
    expect(nextDelayMs(policy, 6, 5, () => 1)).toBe(5);
  });

  it("doubles the backoff per failed attempt without Retry-After", () => {
    const middle = () => 0.5; // no jitter
    expect([1, 2, 3, 4].map((attempt) => nextDelayMs(policy, attempt, undefined, middle))).toEqual([
      100, 200, 400, 800,
    ]);
  });

  it("caps the backoff at maxDelayMs", () => {
    expect(nextDelayMs(policy, 10, undefined, () => 1)).toBe(1000);
  });

  it("spreads the backoff by ±jitterRatio", () => {
    expect(nextDelayMs(policy, 2, undefined, () => 0)).toBe(160);
    expect(nextDelayMs(policy, 2, undefined, () => 0.999999)).toBe(240);
  });

  it("stays within the jittered exponential bounds for any attempt and random value", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, r) => {
          const delay = nextDelayMs(policy, attempt, undefined, () => r);
          const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
          expect(delay).toBeGreaterThanOrEqual(Math.floor(exponential * (1 - policy.jitterRatio)));
          expect(delay).toBeLessThanOrEqual(policy.maxDelayMs);
        },
      ),
    );
  });
});

describe("classifyFailure", () => {
  it.each([408, 429, 500, 502, 503, 504])("retries HTTP %i", (status) => {
    expect(classifyFailure({ kind: "status", status }).retryable).toBe(true);
  });

  it.each([400, 401, 403, 404, 409, 410, 501])("does not retry HTTP %i", (status) => {
    expect(classifyFailure({ kind: "status", status }).retryable).toBe(false);
  });

  it("retries a 2xx whose body is not JSON", () => {
    expect(classifyFailure({ kind: "invalidJson" }).retryable).toBe(true);
  });

  it.each([
    ["ECONNRESET", Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" })],
    ["a socket hang up", new Error("socket hang up")],
    [
      "undici's fetch failed wrapping a socket error",
      new TypeError("fetch failed", {
        cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }),
      }),
    ],
    ["a body cut off mid-read", new TypeError("terminated")],
    ["our request timeout", new DOMException("no complete response within 50 ms", "TimeoutError")],
  ])("retries %s", (_label, error) => {
    expect(classifyFailure({ kind: "network", error }).retryable).toBe(true);
  });

  it("does not retry an unknown host, and says what to check", () => {
    const error = new TypeError("fetch failed", {
      cause: Object.assign(new Error("getaddrinfo ENOTFOUND graph.example"), { code: "ENOTFOUND" }),
    });
    const verdict = classifyFailure({ kind: "network", error });
    expect(verdict.retryable).toBe(false);
    expect(verdict.reason).toMatch(/base URL/);
  });

  it("does not retry a request the caller aborted", () => {
    const error = new DOMException("This operation was aborted", "AbortError");
    expect(classifyFailure({ kind: "network", error }).retryable).toBe(false);
  });
});
