/**
 * A Graph that answers only 5xx (or drops every connection) stops the run with one error
 * instead of each user being tried with all its retries. The clock is the test's: time
 * moves only by the client's own backoff sleeps.
 */
import { afterEach, describe, expect, it } from "vitest";
import { GraphHttpError, GraphUnavailableError } from "../../src/errors.ts";
import type { RateLimiter } from "../../src/extract/rate-limiter.ts";
import {
  graphError,
  sendJson,
  startTestServer,
  type Handler,
  type TestServer,
} from "./support/graph-test-server.ts";
import { buildClient, recordingLimiter } from "./support/http-harness.ts";

const options = { scope: "listUsers", stream: "users" } as const;
const servers: TestServer[] = [];

async function server(handler: Handler): Promise<TestServer> {
  const started = await startTestServer(handler);
  servers.push(started);
  return started;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Time that moves only when the client sleeps. */
function manualClock(): { now: () => number; sleep: (ms: number) => Promise<void> } {
  let nowMs = 1_000_000;
  return {
    now: () => nowMs,
    sleep: (ms) => {
      nowMs += ms;
      return Promise.resolve();
    },
  };
}

const patient = {
  // Generous budgets: without the breaker these requests would go on for a long time.
  retry: { maxAttempts: 200, baseDelayMs: 1000, maxDelayMs: 4000 },
  circuitBreaker: { windowMs: 60_000, minFailures: 10 },
};

describe("circuit breaker", () => {
  it("opens after a minute of nothing but 5xx and resets, and fails that request with one line", async () => {
    const graph = await server((req, res, i) => {
      if (i % 3 === 2) req.socket.destroy();
      else sendJson(res, i % 2 === 0 ? 503 : 500, graphError("ServiceNotAvailable", "down"));
    });
    const { http, sleeps } = buildClient(graph.url, { ...patient, clock: manualClock() });

    const error = await http.getJson(`${graph.url}/v1.0/users`, options).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(GraphUnavailableError);
    expect((error as Error).message).toMatch(
      /^Graph answered only 5xx or network errors for the last 6\d s \(\d+ requests in a row\); stopping the run$/,
    );
    expect(error).toMatchObject({ retryable: false });
    expect((error as GraphUnavailableError).failedAttempts).toBeGreaterThanOrEqual(10);
    expect((error as GraphUnavailableError).unansweredForMs).toBeGreaterThanOrEqual(60_000);
    // Stopped at the first attempt past the minute, not after the 200 allowed.
    expect(graph.requests.length).toBe(sleeps.length + 1);
    expect(sleeps.slice(0, -1).reduce((a, b) => a + b, 0)).toBeLessThan(60_000);
  });

  it("then fails every other request at once: in flight, sleeping, waiting for the limiter, and new", async () => {
    const graph = await server((req, res) => {
      if (req.url === "/v1.0/stall") return; // never answers
      sendJson(res, 503, {}, req.url === "/v1.0/long-wait" ? { "retry-after": "200" } : {});
    });
    const recording = recordingLimiter();
    let queued = 0;
    const limiter: RateLimiter = {
      ...recording,
      acquire: (target) => {
        if (target.chatId !== "waits-forever") return recording.acquire(target);
        queued++;
        return new Promise<void>(() => undefined);
      },
    };
    const clock = manualClock();
    let longSleeps = 0;
    const { http } = buildClient(graph.url, {
      ...patient,
      clock: {
        now: clock.now,
        // Graph's 200 s Retry-After is slept for real: it never ends within this test.
        sleep: (ms) => {
          if (ms < 100_000) return clock.sleep(ms);
          longSleeps++;
          return new Promise<void>(() => undefined);
        },
      },
      limiter,
      requestTimeoutMs: 60_000,
    });
    const pending = [
      http.getJson(`${graph.url}/v1.0/stall`, options),
      http.getJson(`${graph.url}/v1.0/long-wait`, options),
      http.getJson(`${graph.url}/v1.0/chats/c/members`, {
        scope: "listMembers",
        chatId: "waits-forever",
      }),
    ].map((p) => p.catch((e: unknown) => e));
    await expect.poll(() => [graph.requests.length, longSleeps, queued]).toEqual([2, 1, 1]);

    const opener = await http.getJson(`${graph.url}/v1.0/users`, options).catch((e: unknown) => e);
    expect(opener).toBeInstanceOf(GraphUnavailableError);

    for (const settled of await Promise.all(pending)) expect(settled).toBe(opener);
    const sent = graph.requests.length;
    await expect(http.getJson(`${graph.url}/v1.0/users`, options)).rejects.toBe(opener);
    expect(graph.requests.length).toBe(sent);
  });

  it("lets many requests wait on it without a listener-leak warning", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on("warning", onWarning);
    try {
      const graph = await server((_req, res) => sendJson(res, 200, { value: [] }));
      const { http } = buildClient(graph.url);
      await Promise.all(
        Array.from({ length: 40 }, () => http.getJson(`${graph.url}/v1.0/users`, options)),
      );
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.map((w) => w.message)).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("stays closed while Graph answers anything below 500 now and then, 429s included", async () => {
    const graph = await server((_req, res, i) => {
      if (i % 8 === 7)
        sendJson(res, 429, graphError("TooManyRequests", "slow"), { "retry-after": "0" });
      else sendJson(res, 503, {});
    });
    const { http } = buildClient(graph.url, {
      ...patient,
      retry: { ...patient.retry, maxAttempts: 60 },
      clock: manualClock(),
    });
    const error = await http.getJson(`${graph.url}/v1.0/users`, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphHttpError);
    expect(error).toMatchObject({ status: 503 });
  });

  it("does not open on time alone: a few failures spread over minutes end that request only", async () => {
    const graph = await server((_req, res) => sendJson(res, 502, {}));
    const { http } = buildClient(graph.url, {
      retry: { maxAttempts: 4, baseDelayMs: 60_000, maxDelayMs: 60_000 },
      circuitBreaker: { windowMs: 60_000, minFailures: 10 },
      clock: manualClock(),
    });
    await expect(http.getJson(`${graph.url}/v1.0/users`, options)).rejects.toBeInstanceOf(
      GraphHttpError,
    );
    await expect(http.getJson(`${graph.url}/v1.0/users`, options)).rejects.toBeInstanceOf(
      GraphHttpError,
    );
    // The third request's second failure makes ten in a row, long after the last answer.
    await expect(http.getJson(`${graph.url}/v1.0/users`, options)).rejects.toBeInstanceOf(
      GraphUnavailableError,
    );
  });
});
