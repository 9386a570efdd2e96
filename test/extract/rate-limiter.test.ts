import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRateLimiter, type RateLimitTarget } from "../../src/extract/rate-limiter.ts";
import { resolveRateLimits } from "../../src/extract/rate-limit-overrides.ts";
import {
  callKeys,
  defaultRateLimits,
  perKeyRate,
  type RateLimitConfig,
  type RateLimitScope,
} from "../../src/extract/rate-limits.ts";
import type { Sleep } from "../../src/runtime.ts";
import { FakeClock } from "./support/fake-clock.ts";

/** Graph's table with no headroom: spacings are round (1000/30 ms, 200 ms per user, 1 s per chat). */
const exact: RateLimitConfig = { ...defaultRateLimits, headroom: 0 };

function setup(config: RateLimitConfig = exact, lateBy: () => number = () => 0) {
  const clock = new FakeClock();
  // Timers fire `lateBy()` ms after they were due, as a busy event loop makes them.
  const sleep: Sleep = (ms) => clock.sleep(ms + lateBy());
  return { clock, limiter: createRateLimiter(config, { now: clock.now, sleep }) };
}

interface Grant {
  readonly key: string;
  readonly atMs: number;
}

/** The largest number of grants inside any half-open window [t, t + windowMs) starting at a grant. */
function maxInAnyWindow(timesMs: readonly number[], windowMs: number): number {
  const sorted = [...timesMs].sort((a, b) => a - b);
  let best = 0;
  for (let start = 0, end = 0; start < sorted.length; start++) {
    while (end < sorted.length && (sorted[end] ?? Infinity) < (sorted[start] ?? 0) + windowMs)
      end++;
    best = Math.max(best, end - start);
  }
  return best;
}

function gapsMs(timesMs: readonly number[]): number[] {
  const sorted = [...timesMs].sort((a, b) => a - b);
  return sorted.slice(1).map((t, i) => t - (sorted[i] ?? 0));
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

/** A user whose chat listing pages are fetched one after another, as the extractor does. */
async function busyUser(
  ctx: ReturnType<typeof setup>,
  userId: string,
  requests: number,
  grants: Grant[],
): Promise<void> {
  for (let i = 0; i < requests; i++) {
    await ctx.limiter.acquire({ scope: "listChats", userId });
    grants.push({ key: userId, atMs: ctx.clock.now() });
  }
}

describe("rate limiter", () => {
  it("spaces one user's chat listings evenly at 5 per second", async () => {
    const ctx = setup();
    const grants: Grant[] = [];
    await ctx.clock.runUntil(busyUser(ctx, "u1", 4, grants));
    expect(grants.map((g) => round(g.atMs))).toEqual([0, 200, 400, 600]);
  });

  it("spaces the shared budget's requests 1/30 s apart, never a second's worth at once", async () => {
    const ctx = setup();
    const calls: RateLimitTarget[] = Array.from({ length: 90 }, (_, i) => {
      const scopes = ["listChats", "listMembers", "listOperations"] as const;
      const scope = scopes[i % 3] ?? "listChats";
      return scope === "listChats" ? { scope, userId: `u${i}` } : { scope, chatId: `c${i}` };
    });
    const times = await ctx.clock.runUntil(
      Promise.all(calls.map((c) => ctx.limiter.acquire(c).then(() => ctx.clock.now()))),
    );
    expect(times.map(round)).toEqual(times.map((_, i) => round((i * 1000) / 30)));
    expect(maxInAnyWindow(times.map(round), 1000)).toBe(30);
  });

  it("counts listings, Get chat, members and operations against one tenant budget of 30/s", async () => {
    const ctx = setup(defaultRateLimits);
    const grants: Grant[] = [];
    const kinds: RateLimitScope[] = ["listChats", "getChat", "listMembers", "getOperation"];
    const all = Array.from({ length: 40 }, async (_, i) => {
      for (let n = 0; n < 5; n++) {
        const scope = kinds[(i + n) % kinds.length] ?? "listChats";
        await ctx.limiter.acquire({ scope, userId: `u${i}`, chatId: `c${i}-${n}` });
        grants.push({ key: scope, atMs: ctx.clock.now() });
      }
    });
    await ctx.clock.runUntil(Promise.all(all));
    expect(grants).toHaveLength(200);
    const times = grants.map((g) => g.atMs);
    expect(maxInAnyWindow(times, 1000)).toBeLessThanOrEqual(30);
    // Paced at 97% of 30/s: the budget is used, not left idle.
    expect(Math.max(...times)).toBeLessThan((200 / (30 * 0.97)) * 1000);
    expect(Math.min(...gapsMs(times))).toBeGreaterThan(1000 / 30);
  });

  it("lets other users through while one user's requests wait (no head-of-line blocking)", async () => {
    const ctx = setup();
    const grantedAt = new Map<string, number>();
    const track = (label: string, target: RateLimitTarget) =>
      ctx.limiter.acquire(target).then(() => grantedAt.set(label, round(ctx.clock.now())));
    const queued = [1, 2, 3, 4, 5].map((n) => track(`a${n}`, { scope: "listChats", userId: "a" }));
    const other = track("b", { scope: "listChats", userId: "b" });
    await ctx.clock.runUntil(Promise.all([...queued, other]));

    expect(grantedAt.get("b")).toBe(round(1000 / 30));
    expect([1, 2, 3, 4, 5].map((n) => grantedAt.get(`a${n}`))).toEqual([0, 200, 400, 600, 800]);
  });

  it("grants waiting users in arrival order when the tenant budget is the bottleneck", async () => {
    const ctx = setup();
    const order: number[] = [];
    const done = Array.from({ length: 60 }, (_, i) =>
      ctx.limiter
        .acquire({ scope: "listChats", userId: `u${i}` })
        .then(() => order.push(i) && ctx.clock.now()),
    );
    const times = await ctx.clock.runUntil(Promise.all(done));

    expect(order).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(times.map(round)).toEqual(times.map((_, i) => round((i * 1000) / 30)));
  });

  it("does not starve a user who arrives while 40 others keep the tenant saturated", async () => {
    const ctx = setup();
    const grants: Grant[] = [];
    const busy = Array.from({ length: 40 }, (_, i) => busyUser(ctx, `u${i}`, 20, grants));
    await ctx.clock.advanceTo(2500);
    const queuedAhead = 40;
    const late = ctx.limiter
      .acquire({ scope: "listChats", userId: "late" })
      .then(() => ctx.clock.now());
    const lateAt = await ctx.clock.runUntil(late);
    // At most the 40 requests queued ahead of it go first (30/s), long before the busy
    // users finish (~27 s).
    expect(round(lateAt)).toBeLessThanOrEqual(round(2500 + ((queuedAhead + 1) * 1000) / 30));
    await ctx.clock.runUntil(Promise.all(busy));
  });

  it("keeps one budget's chat dimension for Get chat, members and operations of a chat", async () => {
    const ctx = setup();
    const at = (target: RateLimitTarget) => ctx.limiter.acquire(target).then(() => ctx.clock.now());
    const times = await ctx.clock.runUntil(
      Promise.all([
        at({ scope: "getChat", chatId: "c", userId: "u" }),
        at({ scope: "listMembers", chatId: "c" }),
        at({ scope: "getOperation", chatId: "c" }),
        at({ scope: "listMembers", chatId: "d" }),
      ]),
    );
    expect(times.map(round)).toEqual([0, 1000, 2000, round(1000 / 30)]);
  });

  it("counts Get chat against its user's 5/s when the user is known, members never", async () => {
    const ctx = setup();
    const at = (target: RateLimitTarget) => ctx.limiter.acquire(target).then(() => ctx.clock.now());
    const times = await ctx.clock.runUntil(
      Promise.all([
        at({ scope: "listChats", userId: "u" }),
        at({ scope: "getChat", chatId: "c1", userId: "u" }),
        at({ scope: "listMembers", chatId: "c2", userId: "u" }),
      ]),
    );
    expect(times.map(round)).toEqual([0, 200, round(1000 / 30)]);
  });

  it("keeps chat messages and getAllMessages in budgets of their own", async () => {
    const ctx = setup();
    const at = (target: RateLimitTarget) => ctx.limiter.acquire(target).then(() => ctx.clock.now());
    const times = await ctx.clock.runUntil(
      Promise.all([
        at({ scope: "listMembers", chatId: "c" }),
        at({ scope: "listMessages", chatId: "c" }),
        at({ scope: "getMessage", chatId: "d" }),
        at({ scope: "getAllMessages", userId: "u" }),
        at({ scope: "getAllMessagesDelta", userId: "u" }),
        at({ scope: "listUsers" }),
      ]),
    );
    // listMessages: its own tenant (20/s) and chat (1/s) dimensions, so not behind members.
    expect(times.map(round)).toEqual([0, 0, 50, 0, 5, 0]);
  });

  it("follows an override that moves listings back to a budget of their own", async () => {
    const config = resolveRateLimits({
      headroom: 0,
      budgets: { listings: { tenantPerSecond: 20, perUserPerSecond: 1 } },
      calls: { listChats: "listings" },
    });
    const ctx = setup(config);
    const at = (target: RateLimitTarget) => ctx.limiter.acquire(target).then(() => ctx.clock.now());
    const times = await ctx.clock.runUntil(
      Promise.all([
        at({ scope: "listChats", userId: "u" }),
        at({ scope: "listChats", userId: "u" }),
        at({ scope: "listChats", userId: "v" }),
        at({ scope: "listMembers", chatId: "c" }),
      ]),
    );
    expect(times.map(round)).toEqual([0, 1000, 50, 0]);
  });

  it("does not let late timers bunch requests: the next slot is a spacing after the last", async () => {
    let seed = 1;
    // Timers fire 0-40 ms late, pseudo-randomly.
    const lateBy = () => ((seed = (seed * 48271) % 2147483647) % 4000) / 100;
    const ctx = setup(defaultRateLimits, lateBy);
    const times = await ctx.clock.runUntil(
      Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          ctx.limiter
            .acquire({ scope: "listMembers", chatId: `c${i}` })
            .then(() => ctx.clock.now()),
        ),
      ),
    );
    // Paced at 29.1/s, a second holds at most 29, leaving one for arrival jitter.
    expect(maxInAnyWindow(times, 1000)).toBeLessThanOrEqual(29);
    // A late grant keeps at most 25 ms of its lateness: never two at once at 30/s.
    expect(Math.min(...gapsMs(times))).toBeGreaterThanOrEqual(1000 / (30 * 0.97) - 25 - 1e-9);
  });

  it("keeps its pace behind a busy event loop at high rates, without exceeding a second's limit", async () => {
    let seed = 7;
    // Timers fire 0-10 ms late; at 300/s that is up to three spacings.
    const lateBy = () => ((seed = (seed * 48271) % 2147483647) % 1000) / 100;
    const ctx = setup({ ...defaultRateLimits, scale: 10 }, lateBy);
    const times = await ctx.clock.runUntil(
      Promise.all(
        Array.from({ length: 1500 }, (_, i) =>
          ctx.limiter
            .acquire({ scope: "listOperations", chatId: `c${i}` })
            .then(() => ctx.clock.now()),
        ),
      ),
    );
    // 291 at most: the headroom's nine requests stay free for arrival jitter.
    expect(maxInAnyWindow(times, 1000)).toBeLessThanOrEqual(291);
    // The lateness is caught up (up to 25 ms of it per grant), so the rate holds: 1500
    // requests at 97% of 300/s take 5.15 s, plus timer lateness at the end.
    expect(Math.max(...times)).toBeLessThan(1500 * (1000 / 291) + 50);
    // Catching up sends no more than the catch-up's worth at once.
    const atOnce = new Map<number, number>();
    for (const t of times) atOnce.set(t, (atOnce.get(t) ?? 0) + 1);
    const sameInstant = Math.max(...atOnce.values());
    expect(sameInstant).toBeLessThanOrEqual(1 + Math.floor(25 / (1000 / 291)));
  });

  it("pauses the whole budget for the Retry-After after a 429, leaving other budgets alone", async () => {
    const ctx = setup();
    await ctx.limiter.acquire({ scope: "listChats", userId: "u1" });
    ctx.limiter.pause({ scope: "listChats", userId: "u1" }, 2500);
    const at = (target: RateLimitTarget) => ctx.limiter.acquire(target).then(() => ctx.clock.now());
    const times = await ctx.clock.runUntil(
      Promise.all([
        at({ scope: "listChats", userId: "u2" }),
        at({ scope: "listMembers", chatId: "c" }),
        at({ scope: "listUsers" }),
      ]),
    );
    expect(times.map(round)).toEqual([2500, round(2500 + 1000 / 30), 0]);
  });

  it("multiplies every rate by scale", async () => {
    const ctx = setup({ ...exact, scale: 10 });
    const grants: Grant[] = [];
    await ctx.clock.runUntil(busyUser(ctx, "u", 11, grants));
    expect(grants.map((g) => round(g.atMs))).toEqual(grants.map((_, i) => i * 20));
  });

  it.each([0, Infinity])("does not throttle at scale %s", async (scale) => {
    const ctx = setup({ ...defaultRateLimits, scale });
    const all = Array.from({ length: 1000 }, () =>
      ctx.limiter.acquire({ scope: "listChats", userId: "u" }),
    );
    await Promise.all(all);
    expect(ctx.clock.now()).toBe(0);
    expect(ctx.clock.pendingTimers).toBe(0);
    expect(ctx.limiter.stats().trackedKeys).toBe(0);
  });

  it("forgets idle chats, so memory stays flat over 30,000 chats", async () => {
    const ctx = setup({ ...exact, scale: 10 }); // 300 requests/s
    let peakKeys = 0;
    for (let batch = 0; batch < 100; batch++) {
      const acquires = Array.from({ length: 300 }, (_, i) =>
        ctx.limiter.acquire({ scope: "listMembers", chatId: `chat-${batch * 300 + i}` }),
      );
      await ctx.clock.runUntil(Promise.all(acquires));
      peakKeys = Math.max(peakKeys, ctx.limiter.stats().trackedKeys);
    }
    // Only the chats granted within the last second (300 of them) are kept.
    expect(peakKeys).toBeLessThanOrEqual(330);
    await ctx.clock.advanceBy(1000);
    await ctx.limiter.acquire({ scope: "listMembers", chatId: "one-more" });
    expect(ctx.limiter.stats().trackedKeys).toBe(1);
  });

  it("refuses a call without the id its path names", () => {
    const ctx = setup();
    expect(() => ctx.limiter.acquire({ scope: "listChats" })).toThrow(/needs a userId/);
    expect(() => ctx.limiter.acquire({ scope: "listMembers", userId: "u" })).toThrow(
      /needs a chatId/,
    );
  });

  it("never exceeds any dimension's limit in any window, and grants every request (property)", async () => {
    const scopes: RateLimitScope[] = [
      "listChats",
      "getChat",
      "listMembers",
      "getOperation",
      "listMessages",
    ];
    const request = fc.record({
      arrivalMs: fc.integer({ min: 0, max: 5000 }),
      scope: fc.constantFrom(...scopes),
      key: fc.constantFrom("a", "b", "c", "d", "e", "f"),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(request, { minLength: 1, maxLength: 150 }),
        fc.constantFrom(0.2, 1, 2, 10),
        fc.integer({ min: 0, max: 30 }),
        async (requests, scale, maxLateMs) => {
          let n = 0;
          const ctx = setup({ ...defaultRateLimits, scale }, () => (n++ * 7) % (maxLateMs + 1));
          const granted: { scope: RateLimitScope; key: string; atMs: number; arrivalMs: number }[] =
            [];
          const sorted = [...requests].sort((x, y) => x.arrivalMs - y.arrivalMs);
          const all: Promise<unknown>[] = [];
          for (const r of sorted) {
            await ctx.clock.advanceTo(r.arrivalMs);
            const target: RateLimitTarget = { scope: r.scope, userId: r.key, chatId: r.key };
            all.push(
              ctx.limiter.acquire(target).then(() => granted.push({ ...r, atMs: ctx.clock.now() })),
            );
          }
          await ctx.clock.runUntil(Promise.all(all));
          expect(granted).toHaveLength(requests.length);

          /** At most `perSecond` in any second (one per 1/rate seconds below 1/s). */
          const expectWithin = (times: number[], perSecond: number) => {
            const windowMs = Math.max(1000, 1000 / perSecond);
            const limit = Math.max(1, Math.floor((perSecond * windowMs) / 1000));
            expect(maxInAnyWindow(times, windowMs)).toBeLessThanOrEqual(limit);
          };
          for (const [name, budget] of Object.entries(defaultRateLimits.budgets)) {
            const inBudget = granted.filter((g) => defaultRateLimits.calls[g.scope] === name);
            expectWithin(
              inBudget.map((g) => g.atMs),
              budget.tenantPerSecond * scale,
            );
            for (const kind of ["user", "chat"] as const) {
              const rate = perKeyRate(budget, kind);
              if (rate === undefined) continue;
              const counted = inBudget.filter((g) => callKeys[g.scope][kind] !== undefined);
              for (const key of new Set(counted.map((g) => g.key))) {
                expectWithin(
                  counted.filter((g) => g.key === key).map((g) => g.atMs),
                  rate * scale,
                );
              }
            }
          }
          for (const g of granted) expect(g.atMs).toBeGreaterThanOrEqual(g.arrivalMs);
        },
      ),
      { numRuns: 150 },
    );
  });
});
