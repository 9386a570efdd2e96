import fc from "fast-check";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { startSimulator } from "../../src/sim/index.ts";
import { Throttler } from "../../src/sim/throttle/throttler.ts";
import { chatsPath, errorOf, graph } from "./support/graph-client.ts";

const SETTINGS = { rateScale: 1, burstSeconds: 1, toleranceMs: 50 };

/** A throttler on a fake clock. */
function fakeThrottler(rateScale = 1) {
  let now = 0;
  const throttler = new Throttler({ ...SETTINGS, rateScale }, () => now);
  return { throttler, at: (ms: number) => (now = ms) };
}

describe("the token buckets", () => {
  it("never throttle a client pacing at the rate, even with up to 20 ms of arrival jitter", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(["listChats", 1], ["getChat", 1], ["listMembers", 1]),
        fc.constantFrom(1, 2, 10),
        fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 5, maxLength: 60 }),
        ([kind, perSecond], scale, jitter) => {
          const { throttler, at } = fakeThrottler(scale);
          const interval = 1000 / (perSecond * scale);
          jitter.forEach((j, i) => {
            at(1000 + i * interval + j);
            const decision = throttler.admit(kind as "listChats", { userId: "u", chatId: "c" });
            expect(decision.allowed).toBe(true);
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it("admit a burst of one second's worth (plus the jitter allowance), then throttle with a wait after which the request passes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 }), (extra) => {
        const { throttler, at } = fakeThrottler();
        at(0);
        // The tenant bucket of list chats holds 20, and 50 ms of tolerance forgives 1 more.
        // Distinct users, so only the tenant bucket limits.
        const burst = 20 + Math.floor(20 * 0.05);
        const decisions = Array.from({ length: burst + extra }, (_, i) =>
          throttler.admit("listChats", { userId: `u${i}` }),
        );
        expect(decisions.filter((d) => d.allowed)).toHaveLength(burst);
        const denied = decisions.find((d) => !d.allowed);
        if (extra === 0) {
          expect(denied).toBeUndefined();
          return;
        }
        if (!denied || denied.allowed) throw new Error("expected a throttled request");
        expect(denied.scope).toBe("listChats:tenant");
        expect(denied.retryAfterMs).toBeGreaterThan(0);
        expect(denied.retryAfterMs).toBeLessThanOrEqual(50);
        at(denied.retryAfterMs);
        expect(throttler.admit("listChats", { userId: "late" }).allowed).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it("scale limits with rateScale and disappear at 0", () => {
    const { throttler, at } = fakeThrottler(0);
    at(0);
    for (let i = 0; i < 1000; i++)
      expect(throttler.admit("listChats", { userId: "u" }).allowed).toBe(true);
    const ten = fakeThrottler(10);
    ten.at(0);
    const allowed = Array.from({ length: 15 }, () =>
      ten.throttler.admit("listChats", { userId: "u" }),
    ).filter((d) => d.allowed);
    expect(allowed).toHaveLength(10);
  });
});

describe("throttling over HTTP", () => {
  it("answers 429 TooManyRequests with a fractional Retry-After for a second list call of a user within a second", async () => {
    const sim = await startSimulator();
    try {
      const user = sim.state().users[0]?.id ?? "";
      expect((await graph(sim, chatsPath(user))).status).toBe(200);
      const throttled = await graph(sim, chatsPath(user));
      expect(throttled.status).toBe(429);
      expect(errorOf(throttled).code).toBe("TooManyRequests");
      const retryAfter = throttled.headers.get("retry-after") ?? "";
      expect(retryAfter).toMatch(/^\d+\.\d{3}$/);
      expect(Number(retryAfter)).toBeGreaterThan(0);
      expect(Number(retryAfter)).toBeLessThanOrEqual(1);
      const stats = sim.stats();
      expect(stats.throttled).toBe(1);
      expect(stats.log.at(-1)).toMatchObject({
        status: 429,
        throttled: true,
        routeKind: "listChats",
        userId: user,
      });
      expect(stats.log.at(-1)?.retryAfterSeconds).toBe(Number(retryAfter));
      await sleep(Number(retryAfter) * 1000);
      expect((await graph(sim, chatsPath(user))).status).toBe(200);
      expect(sim.stats().retryAfterViolations).toBe(0);
    } finally {
      await sim.close();
    }
  });

  it("counts a request that comes back before its Retry-After as a violation", async () => {
    const sim = await startSimulator();
    try {
      const user = sim.state().users[0]?.id ?? "";
      await graph(sim, chatsPath(user));
      expect((await graph(sim, chatsPath(user))).status).toBe(429);
      expect((await graph(sim, chatsPath(user))).status).toBe(429);
      const stats = sim.stats();
      expect(stats.retryAfterViolations).toBe(1);
      expect(stats.violations[0]).toMatchObject({ scope: `listChats:user:${user}`, method: "GET" });
      expect(stats.violations[0]?.earlyByMs).toBeGreaterThan(0);
    } finally {
      await sim.close();
    }
  });

  it("limits list calls per tenant at 20 per second across users", async () => {
    const sim = await startSimulator({ users: 40, chatsPerUser: 2 });
    try {
      const users = sim.state().users.map((u) => u.id);
      const started = performance.now();
      const answers = await Promise.all(users.map((u) => graph(sim, chatsPath(u, "$top=1"))));
      // The bucket refills at 20/s while the 40 requests are served: a busy machine
      // spreads them out, so the bound grows with the time they took (plus one of slack).
      const refilled = Math.ceil((20 * (performance.now() - started)) / 1000);
      const statuses = answers.map((a) => a.status);
      const ok = statuses.filter((s) => s === 200).length;
      expect(ok).toBeGreaterThanOrEqual(20);
      expect(ok).toBeLessThanOrEqual(21 + refilled);
      expect(statuses.filter((s) => s === 429).length).toBe(40 - ok);
    } finally {
      await sim.close();
    }
  });

  it("limits GET /chats/{id} to 1 per second per chat, and members and operations share a chat's bucket", async () => {
    const sim = await startSimulator();
    try {
      const [a, b] = sim.state().chats;
      const get = (id: string, suffix = "") =>
        graph(sim, `/v1.0/chats/${encodeURIComponent(id)}${suffix}`);
      expect((await get(a?.id ?? "")).status).toBe(200);
      expect((await get(a?.id ?? "")).status).toBe(429);
      expect((await get(b?.id ?? "")).status).toBe(200);
      expect((await get(b?.id ?? "", "/members")).status).toBe(200);
      const operations = await graph(
        sim,
        `/beta/chats/${encodeURIComponent(b?.id ?? "")}/operations`,
      );
      expect(operations.status).toBe(429);
    } finally {
      await sim.close();
    }
  });

  it("never throttles clients that pace themselves exactly at the (scaled) rate", async () => {
    const sim = await startSimulator({ rateScale: 10 });
    try {
      const users = sim
        .state()
        .users.slice(0, 3)
        .map((u) => u.id);
      const start = performance.now();
      // Three users, each at 10 requests/s (the scaled per-user limit), for 1.5 s.
      await Promise.all(
        users.map(async (user) => {
          for (let i = 0; i < 15; i++) {
            const wait = start + i * 100 - performance.now();
            if (wait > 0) await sleep(wait);
            expect((await graph(sim, chatsPath(user, "$top=5"))).status).toBe(200);
          }
        }),
      );
      expect(sim.stats().throttled).toBe(0);
    } finally {
      await sim.close();
    }
  });

  it("does not throttle at rateScale 0", async () => {
    const sim = await startSimulator({ rateScale: 0 });
    try {
      const user = sim.state().users[0]?.id ?? "";
      const answers = await Promise.all(
        Array.from({ length: 60 }, () => graph(sim, chatsPath(user, "$top=1"))),
      );
      expect(answers.every((a) => a.status === 200)).toBe(true);
      sim.setRateScale(1);
      await graph(sim, chatsPath(user));
      expect((await graph(sim, chatsPath(user))).status).toBe(429);
    } finally {
      await sim.close();
    }
  });
});
