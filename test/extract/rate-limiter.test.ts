import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRateLimiter, type RateLimitTarget } from "../../src/extract/rate-limiter.ts";
import { defaultRateLimits, type RateLimitConfig } from "../../src/extract/rate-limits.ts";
import { FakeClock } from "./support/fake-clock.ts";

function setup(config: RateLimitConfig = defaultRateLimits) {
  const clock = new FakeClock();
  return { clock, limiter: createRateLimiter(config, clock) };
}

interface Grant {
  readonly key: string;
  readonly atMs: number;
}

/** The largest number of grants inside any half-open window [t, t + windowMs). */
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

function minGapMs(timesMs: readonly number[]): number {
  const sorted = [...timesMs].sort((a, b) => a - b);
  let gap = Infinity;
  for (let i = 1; i < sorted.length; i++)
    gap = Math.min(gap, (sorted[i] ?? 0) - (sorted[i - 1] ?? 0));
  return gap;
}

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
  it("spaces one user's chat listings one second apart", async () => {
    const ctx = setup();
    const grants: Grant[] = [];
    await ctx.clock.runUntil(busyUser(ctx, "u1", 4, grants));
    expect(grants.map((g) => g.atMs)).toEqual([0, 1000, 2000, 3000]);
  });

  it("keeps chat listings at 20/s per tenant and reaches that ceiling when 40 users are busy", async () => {
    const ctx = setup();
    const grants: Grant[] = [];
    const users = Array.from({ length: 40 }, (_, i) => busyUser(ctx, `u${i}`, 5, grants));
    await ctx.clock.runUntil(Promise.all(users));

    expect(grants).toHaveLength(200);
    expect(
      maxInAnyWindow(
        grants.map((g) => g.atMs),
        1000,
      ),
    ).toBe(20);
    // 200 requests at exactly 20/s: the tenant budget is used in full every second.
    expect(Math.max(...grants.map((g) => g.atMs))).toBe(9000);
    for (let second = 0; second < 10; second++) {
      expect(grants.filter((g) => g.atMs === second * 1000)).toHaveLength(20);
    }
    for (let i = 0; i < 40; i++) {
      const times = grants.filter((g) => g.key === `u${i}`).map((g) => g.atMs);
      expect(minGapMs(times)).toBeGreaterThanOrEqual(1000);
    }
  });

  it("lets other users through while one user's requests wait (no head-of-line blocking)", async () => {
    const ctx = setup();
    const grantedAt = new Map<string, number>();
    const track = (label: string, target: RateLimitTarget) =>
      ctx.limiter.acquire(target).then(() => grantedAt.set(label, ctx.clock.now()));
    const queued = [1, 2, 3, 4, 5].map((n) => track(`a${n}`, { scope: "listChats", userId: "a" }));
    const other = track("b", { scope: "listChats", userId: "b" });
    await ctx.clock.runUntil(Promise.all([...queued, other]));

    expect(grantedAt.get("b")).toBe(0);
    expect([1, 2, 3, 4, 5].map((n) => grantedAt.get(`a${n}`))).toEqual([0, 1000, 2000, 3000, 4000]);
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
    expect(times).toEqual(Array.from({ length: 60 }, (_, i) => Math.floor(i / 20) * 1000));
  });

  it("does not starve a user who arrives while 40 others keep the tenant saturated", async () => {
    const ctx = setup();
    const grants: Grant[] = [];
    const busy = Array.from({ length: 40 }, (_, i) => busyUser(ctx, `u${i}`, 20, grants));
    await ctx.clock.advanceTo(2500);
    const late = ctx.limiter
      .acquire({ scope: "listChats", userId: "late" })
      .then(() => ctx.clock.now());
    const lateAt = await ctx.clock.runUntil(late);
    // 40 requests were queued ahead of it and the tenant grants 20 per second from t=3000,
    // so it goes in the window after them (t=5000), long before the busy users finish (~39 s).
    expect(lateAt).toBeGreaterThanOrEqual(3000);
    expect(lateAt).toBeLessThanOrEqual(5000);
    await ctx.clock.runUntil(Promise.all(busy));
  });

  it("keeps the tenant and the per-chat budgets of chat GETs apart from chat listings", async () => {
    const ctx = setup();
    const times: number[] = [];
    const members = Array.from({ length: 45 }, (_, i) =>
      ctx.limiter
        .acquire({ scope: "otherChatGet", chatId: `c${i}` })
        .then(() => times.push(ctx.clock.now())),
    );
    const listing = ctx.limiter
      .acquire({ scope: "listChats", userId: "u" })
      .then(() => ctx.clock.now());
    const sameChatOtherScope = ctx.limiter
      .acquire({ scope: "getChat", chatId: "c0" })
      .then(() => ctx.clock.now());
    const [listingAt, getChatAt] = await ctx.clock.runUntil(
      Promise.all([listing, sameChatOtherScope, ...members]),
    );

    expect(listingAt).toBe(0);
    expect(getChatAt).toBe(0);
    expect(times.filter((t) => t === 0)).toHaveLength(30);
    expect(times.filter((t) => t === 1000)).toHaveLength(15);
  });

  it("pauses a whole scope for the Retry-After after a 429, leaving other scopes alone", async () => {
    const ctx = setup();
    await ctx.limiter.acquire({ scope: "listChats", userId: "u1" });
    ctx.limiter.pause({ scope: "listChats", userId: "u1" }, 2500);
    const otherUser = ctx.limiter
      .acquire({ scope: "listChats", userId: "u2" })
      .then(() => ctx.clock.now());
    const otherScope = ctx.limiter
      .acquire({ scope: "otherChatGet", chatId: "c" })
      .then(() => ctx.clock.now());
    expect(await ctx.clock.runUntil(Promise.all([otherUser, otherScope]))).toEqual([2500, 0]);
  });

  it("multiplies every rate by scale", async () => {
    const ctx = setup({ ...defaultRateLimits, scale: 10 });
    const grants: Grant[] = [];
    await ctx.clock.runUntil(busyUser(ctx, "u", 11, grants));
    expect(grants.map((g) => g.atMs)).toEqual([...Array<number>(10).fill(0), 1000]);
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
    const ctx = setup({ ...defaultRateLimits, scale: 10 }); // 300 chat GETs/s
    let peakKeys = 0;
    for (let batch = 0; batch < 100; batch++) {
      const acquires = Array.from({ length: 300 }, (_, i) =>
        ctx.limiter.acquire({ scope: "otherChatGet", chatId: `chat-${batch * 300 + i}` }),
      );
      await ctx.clock.runUntil(Promise.all(acquires));
      peakKeys = Math.max(peakKeys, ctx.limiter.stats().trackedKeys);
    }
    expect(ctx.clock.now()).toBe(99_000);
    // Only the chats used within the last window are kept (300 per window here).
    expect(peakKeys).toBeLessThanOrEqual(600);
    await ctx.clock.advanceBy(1000);
    await ctx.limiter.acquire({ scope: "otherChatGet", chatId: "one-more" });
    expect(ctx.limiter.stats().trackedKeys).toBe(1);
  });

  it("refuses a keyed scope without its key", () => {
    const ctx = setup();
    expect(() => ctx.limiter.acquire({ scope: "listChats" })).toThrow(/needs a userId/);
    expect(() => ctx.limiter.acquire({ scope: "otherChatGet", userId: "u" })).toThrow(
      /needs a chatId/,
    );
  });

  it("never exceeds any dimension's limit over any window, and grants every request (property)", async () => {
    const request = fc.record({
      arrivalMs: fc.integer({ min: 0, max: 5000 }),
      scope: fc.constantFrom("listChats" as const, "otherChatGet" as const, "getChat" as const),
      key: fc.constantFrom("a", "b", "c", "d", "e", "f"),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(request, { minLength: 1, maxLength: 120 }),
        fc.constantFrom(0.1, 0.5, 1, 2),
        async (requests, scale) => {
          const ctx = setup({ ...defaultRateLimits, scale });
          const granted: { scope: string; key: string; atMs: number; arrivalMs: number }[] = [];
          const sorted = [...requests].sort((x, y) => x.arrivalMs - y.arrivalMs);
          const all: Promise<unknown>[] = [];
          for (const r of sorted) {
            await ctx.clock.advanceTo(r.arrivalMs);
            const target: RateLimitTarget =
              r.scope === "listChats"
                ? { scope: r.scope, userId: r.key }
                : { scope: r.scope, chatId: r.key };
            all.push(
              ctx.limiter.acquire(target).then(() => granted.push({ ...r, atMs: ctx.clock.now() })),
            );
          }
          await ctx.clock.runUntil(Promise.all(all));
          expect(granted).toHaveLength(requests.length);

          for (const [scope, limits] of Object.entries(defaultRateLimits.scopes)) {
            const inScope = granted.filter((g) => g.scope === scope);
            const tenantLimit = Math.max(1, Math.floor(limits.tenantRequestsPerSecond * scale));
            expect(
              maxInAnyWindow(
                inScope.map((g) => g.atMs),
                1000,
              ),
            ).toBeLessThanOrEqual(tenantLimit);
            const perKeyRate = (limits.perKeyRequestsPerSecond ?? Infinity) * scale;
            const [perKeyMax, perKeyWindowMs] =
              perKeyRate >= 1 ? [Math.floor(perKeyRate), 1000] : [1, Math.ceil(1000 / perKeyRate)];
            for (const key of new Set(inScope.map((g) => g.key))) {
              const times = inScope.filter((g) => g.key === key).map((g) => g.atMs);
              expect(maxInAnyWindow(times, perKeyWindowMs)).toBeLessThanOrEqual(perKeyMax);
            }
          }
          for (const g of granted) expect(g.atMs).toBeGreaterThanOrEqual(g.arrivalMs);
        },
      ),
      { numRuns: 150 },
    );
  });
});
