import fc from "fast-check";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { startSimulator } from "../../src/sim/index.ts";
import { Prng } from "../../src/sim/random.ts";
import { responseLatencyMs } from "../../src/sim/http/latency.ts";
import { THROTTLE_RULES } from "../../src/sim/throttle/throttle-policy.ts";
import { Throttler } from "../../src/sim/throttle/throttler.ts";
import {
  callKeys,
  defaultRateLimits,
  perKeyRate,
  RATE_LIMITED_CALLS,
} from "../../src/extract/rate-limits.ts";
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
        fc.constantFrom(["listChats", 5], ["getChat", 1], ["listMembers", 1], ["listMessages", 1]),
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
        // The other-GET tenant bucket holds 30, and 50 ms of tolerance forgives 1 more.
        // Distinct users and chats, so only the tenant bucket limits; listings, members and
        // operations all draw on it.
        const burst = 30 + Math.floor(30 * 0.05);
        const kinds = ["listChats", "listMembers", "listOperations", "getOperation"] as const;
        const decisions = Array.from({ length: burst + extra }, (_, i) =>
          throttler.admit(kinds[i % kinds.length] ?? "listChats", {
            userId: `u${i}`,
            chatId: `c${i}`,
          }),
        );
        expect(decisions.filter((d) => d.allowed)).toHaveLength(burst);
        const denied = decisions.find((d) => !d.allowed);
        if (extra === 0) {
          expect(denied).toBeUndefined();
          return;
        }
        if (!denied || denied.allowed) throw new Error("expected a throttled request");
        expect(denied.scope).toBe("otherGets:tenant");
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
    const allowed = Array.from({ length: 80 }, () =>
      ten.throttler.admit("listChats", { userId: "u" }),
    ).filter((d) => d.allowed);
    // One user's bucket: 5/s x 10, plus the 50 ms allowance.
    expect(allowed).toHaveLength(50 + Math.floor(50 * 0.05));
  });

  it("keep per-chat buckets apart per budget: chat messages do not wait for members", () => {
    const { throttler, at } = fakeThrottler();
    at(0);
    expect(throttler.admit("listMembers", { chatId: "c" }).allowed).toBe(true);
    expect(throttler.admit("getChat", { chatId: "c" }).allowed).toBe(false);
    expect(throttler.admit("listMessages", { chatId: "c" }).allowed).toBe(true);
    expect(throttler.admit("getMessage", { chatId: "c" }).allowed).toBe(false);
    const all = Array.from({ length: 220 }, (_, i) =>
      throttler.admit(i % 2 ? "getAllMessages" : "getAllMessagesDelta", { userId: `u${i}` }),
    );
    expect(all.filter((d) => d.allowed)).toHaveLength(200 + Math.floor(200 * 0.05));
  });

  it("enforce the table the extractor paces to, dimension by dimension", () => {
    for (const call of RATE_LIMITED_CALLS) {
      const budget = defaultRateLimits.budgets[defaultRateLimits.calls[call]];
      const rule = THROTTLE_RULES[call];
      if (call === "listUsers" || call === "getUser") {
        expect(rule).toBeUndefined();
        continue;
      }
      const expected = [{ scope: "tenant", perSecond: budget?.tenantPerSecond }];
      for (const kind of ["user", "chat"] as const) {
        const rate = budget && perKeyRate(budget, kind);
        if (rate !== undefined && callKeys[call][kind] !== undefined)
          expected.push({ scope: kind, perSecond: rate });
      }
      expect({ call, limits: rule?.limits }).toEqual({ call, limits: expected });
    }
  });
});

describe("latency jitter", () => {
  it("varies each delay uniformly within ± the jitter, the same sequence for the same seed", () => {
    const settings = { latencyMs: 50, latencyJitterMs: 40 };
    const draw = (seed: number) => {
      const random = Prng.from(seed, "latency");
      return Array.from({ length: 2000 }, () => responseLatencyMs(settings, random));
    };
    const delays = draw(42);
    expect(draw(42)).toEqual(delays);
    expect(draw(43)).not.toEqual(delays);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...delays)).toBeLessThanOrEqual(90);
    // Spread over the whole range, each fifth of it drawn about equally often.
    for (let fifth = 0; fifth < 5; fifth++) {
      const inFifth = delays.filter((d) => d >= 10 + fifth * 16 && d < 26 + fifth * 16);
      expect(inFifth.length).toBeGreaterThan(300);
    }
    const noJitter = Prng.from(42, "latency");
    expect(responseLatencyMs({ latencyMs: 50, latencyJitterMs: 0 }, noJitter)).toBe(50);
    expect(
      responseLatencyMs({ latencyMs: 5, latencyJitterMs: 40 }, noJitter),
    ).toBeGreaterThanOrEqual(0);
  });
});

describe("throttling over HTTP", () => {
  it("answers 429 TooManyRequests with a fractional Retry-After for a second list call of a user within a bucket's refill", async () => {
    // A user's bucket of 5/s holds one request when it is 0.2 s deep.
    const sim = await startSimulator({ burstSeconds: 0.2 });
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
    const sim = await startSimulator({ burstSeconds: 0.2 });
    try {
      const user = sim.state().users[0]?.id ?? "";
      await graph(sim, chatsPath(user));
      expect((await graph(sim, chatsPath(user))).status).toBe(429);
      expect((await graph(sim, chatsPath(user))).status).toBe(429);
      const stats = sim.stats();
      expect(stats.retryAfterViolations).toBe(1);
      expect(stats.violations[0]).toMatchObject({ scope: `otherGets:user:${user}`, method: "GET" });
      expect(stats.violations[0]?.earlyByMs).toBeGreaterThan(0);
    } finally {
      await sim.close();
    }
  });

  it("limits listings and members together at 30 per second per tenant", async () => {
    const sim = await startSimulator({ users: 30, chatsPerUser: 12 });
    try {
      const users = sim.state().users.map((u) => u.id);
      const chats = sim
        .state()
        .chats.slice(0, 30)
        .map((c) => c.id);
      expect(chats).toHaveLength(30);
      const started = performance.now();
      const answers = await Promise.all([
        ...users.map((u) => graph(sim, chatsPath(u, "$top=1"))),
        ...chats.map((c) => graph(sim, `/v1.0/chats/${encodeURIComponent(c)}/members`)),
      ]);
      // The bucket refills at 30/s while the 60 requests are served: a busy machine
      // spreads them out, so the bound grows with the time they took (plus one of slack).
      const refilled = Math.ceil((30 * (performance.now() - started)) / 1000);
      const statuses = answers.map((a) => a.status);
      const ok = statuses.filter((s) => s === 200).length;
      expect(ok).toBeGreaterThanOrEqual(30);
      expect(ok).toBeLessThanOrEqual(31 + refilled);
      expect(statuses.filter((s) => s === 429).length).toBe(60 - ok);
    } finally {
      await sim.close();
    }
  });

  it("limits GET /chats/{id} to 1 per second per chat, and Get chat, members and operations share a chat's bucket", async () => {
    const sim = await startSimulator();
    try {
      const [a, b, c] = sim.state().chats;
      const get = (id: string, suffix = "") =>
        graph(sim, `/v1.0/chats/${encodeURIComponent(id)}${suffix}`);
      expect((await get(a?.id ?? "")).status).toBe(200);
      expect((await get(a?.id ?? "")).status).toBe(429);
      expect((await get(b?.id ?? "")).status).toBe(200);
      expect((await get(b?.id ?? "", "/members")).status).toBe(429);
      expect((await get(c?.id ?? "", "/members")).status).toBe(200);
      const operations = await graph(
        sim,
        `/beta/chats/${encodeURIComponent(c?.id ?? "")}/operations`,
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
      // Three users, each at 50 requests/s (the scaled per-user limit), for 1.5 s.
      await Promise.all(
        users.map(async (user) => {
          for (let i = 0; i < 75; i++) {
            const wait = start + i * 20 - performance.now();
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
    const sim = await startSimulator({ rateScale: 0, burstSeconds: 0.2 });
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
