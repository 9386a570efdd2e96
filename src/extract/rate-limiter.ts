import { Pacer } from "./pacer.ts";
import {
  callKeys,
  perKeyRate,
  type BudgetLimit,
  type RateLimitConfig,
  type RateLimitKeyKind,
  type RateLimitScope,
} from "./rate-limits.ts";
import type { Now, Sleep } from "../runtime.ts";

/** What a request counts against: its call's budget, and its user's or chat's share of it. */
export interface RateLimitTarget {
  readonly scope: RateLimitScope;
  readonly userId?: string;
  readonly chatId?: string;
}

export interface RateLimiter {
  /** Resolves once the request fits every dimension it counts against; takes its slot in each. */
  acquire(target: RateLimitTarget): Promise<void>;
  /**
   * Graph answered 429: hold back the target's whole budget for `durationMs`. A 429 does not
   * say which dimension Graph counted, and a budget-wide pause of a few seconds costs less
   * than every other request in flight earning its own 429.
   */
  pause(target: RateLimitTarget, durationMs: number): void;
  stats(): { readonly waiting: number; readonly trackedKeys: number };
}

/**
 * How much of a late grant's lateness a pacer keeps (see Pacer): about the event-loop lag
 * a busy sync sees (tens of ms while it parses pages and loads rows). With less, late
 * timers cost a high rate a good share of itself (docs/decisions.md); the bunches it
 * allows are at most this many ms worth.
 */
const catchUpMs = 25;

/**
 * The most grants one second may hold: the paced rate, rounded. Rounding down would cost
 * a small rate (a user's 5/s) a fifth of itself; at the rates that fill a second (the
 * tenant's 30/s and up) this leaves the headroom's requests free for arrival jitter.
 */
function perSecondCapOf(perSecond: number): number {
  return Math.max(1, Math.round(perSecond));
}

/** The pacers of one user or chat dimension, keyed by id, ordered by last grant. */
interface KeyedPacers {
  readonly kind: RateLimitKeyKind;
  /** The paced rate of each of them, per second. */
  readonly rate: number;
  readonly pacers: Map<string, Pacer>;
}

interface BudgetPacers {
  readonly tenant: Pacer;
  readonly keyed: readonly KeyedPacers[];
}

interface Waiter {
  readonly budget: BudgetPacers;
  readonly keys: readonly { readonly dimension: KeyedPacers; readonly id: string }[];
  readonly grant: () => void;
}

/**
 * The one place that owns Graph's rate limits. Each request counts against its budget's
 * tenant dimension and, where its path names them, its user's and its chat's, and goes
 * only when every one of them has a slot (Pacer: evenly spaced, as Graph counts arrivals).
 * Waiters are granted in arrival order, but a waiter whose own user or chat is not ready
 * yet is skipped rather than waited for, so requests for other users and chats use the
 * tenant budget meanwhile (no head-of-line blocking). A single timer wakes the scheduler
 * at the earliest time any waiter can go.
 */
export function createRateLimiter(
  config: RateLimitConfig,
  clock: { readonly now: Now; readonly sleep: Sleep },
): RateLimiter {
  const unlimited = config.scale === 0 || !Number.isFinite(config.scale);
  /** Requests per second a dimension is paced at: its limit, scaled, less the headroom. */
  const pacedRate = (perSecond: number): number => perSecond * config.scale * (1 - config.headroom);
  const pacerFor = (rate: number): Pacer => new Pacer(1000 / rate, catchUpMs, perSecondCapOf(rate));
  const budgets = new Map<string, BudgetPacers>(
    Object.entries(config.budgets).map(([name, limit]) => [name, budgetPacers(limit)]),
  );
  let waiters: Waiter[] = [];
  let wakeAtMs = Infinity;

  function budgetPacers(limit: BudgetLimit): BudgetPacers {
    // Unlimited keeps a tenant pacer without spacing: Retry-After pauses still apply.
    if (unlimited) return { tenant: new Pacer(0, 0), keyed: [] };
    const keyed: KeyedPacers[] = [];
    for (const kind of ["user", "chat"] as const) {
      const rate = perKeyRate(limit, kind);
      if (rate !== undefined) keyed.push({ kind, rate: pacedRate(rate), pacers: new Map() });
    }
    return { tenant: pacerFor(pacedRate(limit.tenantPerSecond)), keyed };
  }

  function budgetOf(scope: RateLimitScope): BudgetPacers {
    const budget = budgets.get(config.calls[scope]);
    if (!budget) throw new TypeError(`rate-limit scope ${scope} draws on no known budget`);
    return budget;
  }

  function dimensionsOf(target: RateLimitTarget): Omit<Waiter, "grant"> {
    const budget = budgetOf(target.scope);
    const keys: Waiter["keys"][number][] = [];
    const needs = callKeys[target.scope];
    for (const kind of ["user", "chat"] as const) {
      const id = kind === "user" ? target.userId : target.chatId;
      if (!id && needs[kind] === "required")
        throw new TypeError(`rate-limit scope ${target.scope} needs a ${kind}Id`);
      const dimension = budget.keyed.find((d) => d.kind === kind);
      if (id && needs[kind] !== undefined && dimension) keys.push({ dimension, id });
    }
    return { budget, keys };
  }

  function readyAtMs(waiter: Waiter, nowMs: number): number {
    let readyMs = waiter.budget.tenant.readyAtMs(nowMs);
    for (const { dimension, id } of waiter.keys) {
      const pacer = dimension.pacers.get(id);
      if (pacer) readyMs = Math.max(readyMs, pacer.readyAtMs(nowMs));
    }
    return readyMs;
  }

  function take(waiter: Waiter, nowMs: number): void {
    waiter.budget.tenant.take(nowMs);
    for (const { dimension, id } of waiter.keys) {
      const pacer = dimension.pacers.get(id) ?? pacerFor(dimension.rate);
      // Re-inserted, so the map stays ordered by last grant (see evictIdle).
      dimension.pacers.delete(id);
      dimension.pacers.set(id, pacer);
      pacer.take(nowMs);
    }
  }

  // Pacers of one dimension share a rate, so ordered by last grant they are ordered by
  // when they go idle: eviction stops at the first busy one, and memory follows the keys
  // active in the last second, not every chat ever seen.
  function evictIdle(nowMs: number): void {
    for (const budget of budgets.values()) {
      for (const { pacers } of budget.keyed) {
        for (const [id, pacer] of pacers) {
          if (!pacer.isIdle(nowMs)) break;
          pacers.delete(id);
        }
      }
    }
  }

  function scheduleWake(atMs: number, nowMs: number): void {
    if (atMs >= wakeAtMs) return;
    wakeAtMs = atMs;
    void clock.sleep(atMs - nowMs).then(() => {
      if (wakeAtMs === atMs) wakeAtMs = Infinity;
      pump();
    });
  }

  function pump(): void {
    const nowMs = clock.now();
    const stillWaiting: Waiter[] = [];
    let nextReadyMs = Infinity;
    for (const waiter of waiters) {
      const readyMs = readyAtMs(waiter, nowMs);
      if (readyMs > nowMs) {
        stillWaiting.push(waiter);
        nextReadyMs = Math.min(nextReadyMs, readyMs);
        continue;
      }
      take(waiter, nowMs);
      waiter.grant();
    }
    waiters = stillWaiting;
    evictIdle(nowMs);
    if (nextReadyMs < Infinity) scheduleWake(nextReadyMs, nowMs);
  }

  return {
    acquire(target) {
      const dimensions = dimensionsOf(target);
      return new Promise<void>((grant) => {
        waiters.push({ ...dimensions, grant });
        pump();
      });
    },
    pause(target, durationMs) {
      budgetOf(target.scope).tenant.pauseUntil(clock.now() + Math.max(0, durationMs));
    },
    stats: () => ({
      waiting: waiters.length,
      trackedKeys: [...budgets.values()].reduce(
        (sum, b) => sum + b.keyed.reduce((n, d) => n + d.pacers.size, 0),
        0,
      ),
    }),
  };
}
