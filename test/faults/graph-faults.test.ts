/**
 * Graph misbehaving, through the simulator's fault knobs, against this file's own real
 * Postgres: every run either loads exactly the simulator's ground truth or records the
 * failing user in teams.sync_failures, and a rerun without the fault converges.
 */
import { describe, expect, it } from "vitest";
import type { FaultRule, Simulator } from "../../src/sim/index.ts";
import { expectedWarehouse } from "../support/expected-warehouse.ts";
import {
  expectWarehouse,
  failuresOf,
  recordingFetch,
  syncTuned,
  type ClientRequest,
} from "../support/fault-harness.ts";
import { useSimWarehouse, useSimulators } from "../support/sim-warehouse.ts";
import { readWarehouse } from "../support/warehouse-snapshot.ts";

const warehouse = useSimWarehouse();
const simulator = useSimulators();

/** Backoff without Retry-After, shortened so a test spends milliseconds, not seconds. */
const FAST_RETRY = { retry: { baseDelayMs: 20, maxDelayMs: 200 } } as const;

async function expectGroundTruth(sim: Simulator): Promise<void> {
  expectWarehouse(await readWarehouse(warehouse.db), expectedWarehouse(sim.state()));
}

function fired(sim: Simulator): number {
  return sim.stats().faultsFired.reduce((n, f) => n + f.fired, 0);
}

/** The limiter budget a request counts against on the client side (a 429 pauses all of it). */
function clientScope(path: string): string {
  if (/\/users\/[^/]+\/chats$/.test(path)) return "otherGet";
  if (/\/chats\/[^/]+\/(members|operations)/.test(path)) return "otherGet";
  return path;
}

/** Requests the client started while a Retry-After it had already received for that scope was still running. */
function sentWhileToldToWait(requests: readonly ClientRequest[]): ClientRequest[] {
  const told = requests.filter((r) => r.retryAfterMs !== null);
  return requests.filter((v) =>
    told.some(
      (r) =>
        clientScope(r.path) === clientScope(v.path) &&
        r.receivedAtMs <= v.startedAtMs &&
        // 1 ms for timer granularity: setTimeout may fire a fraction of a ms early.
        v.startedAtMs < r.receivedAtMs + (r.retryAfterMs ?? 0) - 1,
    ),
  );
}

describe("429 storms", () => {
  it("with a third of all requests throttled (fractional Retry-After), the run completes and loads the ground truth", async () => {
    await warehouse.reset();
    // The simulator allows half of Graph's limits with buckets a fifth of a second deep;
    // the client believes in 20 times Graph's. A 429 pauses the client's whole budget, so it
    // takes that gap to keep a third of the requests throttled.
    const sim = await simulator({ rateScale: 0.5, burstSeconds: 0.2 });
    const recorder = recordingFetch();
    const summary = await syncTuned(
      sim,
      warehouse.db,
      { rateLimits: { scale: 20 } },
      { concurrency: 8 },
      { fetch: recorder.fetch },
    );
    const stats = sim.stats();
    expect(summary.status, JSON.stringify(summary.failures)).toBe("succeeded");
    expect(stats.throttled / stats.requests).toBeGreaterThanOrEqual(1 / 3);
    const afters = stats.log.filter((e) => e.throttled).map((e) => e.retryAfterSeconds ?? 0);
    expect(afters.some((s) => !Number.isInteger(s))).toBe(true);
    expect(summary.throttled).toBe(stats.throttled);
    await expectGroundTruth(sim);

    // The pipeline never sends a request in a scope whose Retry-After it has received and
    // that is still running (checked on the client's own clock).
    expect(sentWhileToldToWait(recorder.requests)).toEqual([]);
    // stats().retryAfterViolations cannot be 0 here: with up to 8 users and 64 follow-ups in
    // flight, requests the client sent before a 429 reached it arrive at the simulator after
    // that 429 went out, and the simulator counts those. Each counted violation must be one
    // of those in-flight requests: started before the client received the last 429 of its scope.
    const told = recorder.requests.filter((r) => r.retryAfterMs !== null);
    for (const violation of stats.violations) {
      const inFlight = recorder.requests.some(
        (v) =>
          v.path === violation.path &&
          told.some(
            (r) =>
              clientScope(r.path) === clientScope(v.path) &&
              v.startedAtMs < r.receivedAtMs &&
              v.receivedAtMs > r.receivedAtMs - 5,
          ),
      );
      expect(inFlight, JSON.stringify(violation)).toBe(true);
    }
  });

  it("with the client's limiter matching the simulator, the run is not throttled and honours every Retry-After (retryAfterViolations 0)", async () => {
    await warehouse.reset();
    const sim = await simulator({ rateScale: 5 });
    const summary = await syncTuned(sim, warehouse.db, { rateLimits: { scale: 5 } });
    expect(summary.status).toBe("succeeded");
    expect(sim.stats().retryAfterViolations).toBe(0);
    await expectGroundTruth(sim);
  });
});

describe("transient server errors", () => {
  const routes: FaultRule["routes"] = ["listUsers", "listChats", "listMembers", "listOperations"];

  it.each([
    {
      name: "503 bursts with fractional Retry-After",
      rule: { kind: "http503", retryAfterSeconds: 0.05 },
    },
    { name: "504 bursts with Retry-After", rule: { kind: "http504", retryAfterSeconds: 0.03 } },
    { name: "503 bursts without Retry-After (backoff)", rule: { kind: "http503" } },
    { name: "504 bursts without Retry-After (backoff)", rule: { kind: "http504" } },
    { name: "connection resets", rule: { kind: "connectionReset" } },
    { name: "malformed JSON pages", rule: { kind: "malformedJson" } },
  ] as const)("$name are retried and the run loads the ground truth", async ({ rule }) => {
    await warehouse.reset();
    const sim = await simulator();
    sim.setFaults([{ ...rule, routes, share: 0.25, count: 10 } as FaultRule]);
    const summary = await syncTuned(sim, warehouse.db, FAST_RETRY);
    expect(fired(sim)).toBe(10);
    expect(summary.status, JSON.stringify(summary.failures)).toBe("succeeded");
    expect(summary.retries).toBe(10);
    expect(sim.stats().retryAfterViolations).toBe(0);
    await expectGroundTruth(sim);
  });

  it("responses slower than the client's requestTimeoutMs are abandoned and retried", async () => {
    await warehouse.reset();
    const sim = await simulator();
    sim.setFaults([{ kind: "slow", delayMs: 1500, routes, share: 0.3, count: 4 }]);
    const started = performance.now();
    const summary = await syncTuned(sim, warehouse.db, { ...FAST_RETRY, requestTimeoutMs: 300 });
    expect(fired(sim)).toBe(4);
    expect(summary.status, JSON.stringify(summary.failures)).toBe("succeeded");
    expect(summary.retries).toBeGreaterThanOrEqual(4);
    // Abandoned at 300 ms, not waited out for 1.5 s each (they run in parallel, hence one).
    expect(performance.now() - started).toBeLessThan(10_000);
    await expectGroundTruth(sim);
  });
});

describe("paging faults", () => {
  it("a nextLink that repeats fails that user with a paging-loop error, the others complete (partial), and a rerun converges", async () => {
    await warehouse.reset();
    const sim = await simulator();
    const victim = sim.state().users[3]?.id ?? "";
    sim.setFaults([
      { kind: "repeatNextLink", target: "self", routes: ["listChats"], users: [victim] },
    ]);
    const first = await syncTuned(sim, warehouse.db);
    expect(first.status).toBe("partial");
    expect(first.users).toMatchObject({ failed: 1, succeeded: sim.state().users.length - 1 });
    const failures = await failuresOf(warehouse.db, first.runId);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ user_id: victim, stream: "chats" });
    expect(failures[0]?.error).toMatch(/already fetched|paging|loop/i);
    // Nothing of the victim was committed; everyone else was.
    const others = sim
      .state()
      .users.map((u) => u.id)
      .filter((id) => id !== victim);
    expectWarehouse(
      await readWarehouse(warehouse.db),
      expectedWarehouse(sim.state(), { users: others }),
    );

    sim.setFaults([]);
    const second = await syncTuned(sim, warehouse.db);
    expect(second.status).toBe("succeeded");
    await expectGroundTruth(sim);
  });

  it("a member listing whose last page links back to its first page fails only that chat's members stream, and a rerun converges", async () => {
    await warehouse.reset();
    const sim = await simulator();
    const large = sim.state().chats.find((c) => c.members.length > 150);
    if (!large) throw new Error("the tenant has no chat with more than one member page");
    sim.setFaults([
      { kind: "repeatNextLink", target: "first", routes: ["listMembers"], chats: [large.id] },
    ]);
    const first = await syncTuned(sim, warehouse.db);
    expect(first.status).toBe("partial");
    const failures = await failuresOf(warehouse.db, first.runId);
    expect(failures.length).toBeGreaterThan(0);
    for (const f of failures) {
      expect(f.stream).toBe("members");
      expect(f.error).toContain(large.id);
      expect(f.error).toMatch(/already fetched/);
    }
    sim.setFaults([]);
    expect((await syncTuned(sim, warehouse.db)).status).toBe("succeeded");
    await expectGroundTruth(sim);
  });

  // Decision: a 400 "Invalid continuation token" is not retried (the same token would fail
  // again) and the listing is not restarted within the run; the stream fails for that chat,
  // is recorded with http_status 400, marks nothing removed from the partial listing, keeps
  // the watermark, and the next run lists again from the first page and converges.
  it("400 Invalid continuation token mid-listing fails that member listing (recorded, nothing marked removed), and a rerun converges", async () => {
    await warehouse.reset();
    const sim = await simulator();
    sim.setFaults([{ kind: "invalidContinuationToken", routes: ["listMembers"], count: 1 }]);
    const first = await syncTuned(sim, warehouse.db);
    expect(fired(sim)).toBe(1);
    expect(first.status).toBe("partial");
    const failures = await failuresOf(warehouse.db, first.runId);
    expect(failures.length).toBeGreaterThan(0);
    for (const f of failures) {
      expect(f).toMatchObject({ stream: "members", http_status: 400 });
      expect(f.error).toMatch(/Invalid continuation token/);
    }
    const afterFirst = await readWarehouse(warehouse.db);
    expect(afterFirst.chat_members.filter((m) => m.removed)).toEqual([]);

    sim.setFaults([]);
    expect((await syncTuned(sim, warehouse.db)).status).toBe("succeeded");
    await expectGroundTruth(sim);
  });
});
