import {
  scopeKeyKind,
  toWindowLimit,
  type RateLimitConfig,
  type RateLimitScope,
  type WindowLimit,
} from "./rate-limits.ts";
import type { Now, Sleep } from "./runtime.ts";
import { SlidingWindow } from "./sliding-window.ts";

/** What a request counts against: its scope's tenant budget and, if keyed, its user's or chat's. */
export interface RateLimitTarget {
  readonly scope: RateLimitScope;
  readonly userId?: string;
  readonly chatId?: string;
}

export interface RateLimiter {
  /** Resolves once the request fits every dimension it counts against; grants it at once. */
  acquire(target: RateLimitTarget): Promise<void>;
  /**
   * Graph answered 429: hold back the target's whole scope for `durationMs`. A 429 does not
   * say which dimension Graph counted, and a scope-wide pause of a few seconds costs less
   * than every other request in flight earning its own 429.
   */
  pause(target: RateLimitTarget, durationMs: number): void;
  stats(): { readonly waiting: number; readonly trackedKeys: number };
}

interface Waiter {
  readonly scope: RateLimitScope;
  readonly key: string | undefined;
  readonly grant: () => void;
}

const scopes = Object.keys(scopeKeyKind) as RateLimitScope[];

/**
 * The one place that owns Graph's rate limits. Waiters are granted in arrival order, but
 * a waiter whose own user or chat is not ready yet is skipped rather than waited for, so
 * requests for other users use the tenant budget meanwhile (no head-of-line blocking).
 * A single timer wakes the scheduler at the earliest time any waiter can go.
 */
export function createRateLimiter(
  config: RateLimitConfig,
  clock: { readonly now: Now; readonly sleep: Sleep },
): RateLimiter {
  const tenantWindows = Object.fromEntries(
    scopes.map((scope) => [
      scope,
      new SlidingWindow(toWindowLimit(config.scopes[scope].tenantRequestsPerSecond, config.scale)),
    ]),
  ) as Record<RateLimitScope, SlidingWindow>;
  const keyLimits = Object.fromEntries(
    scopes.map((scope) => {
      const perKey = config.scopes[scope].perKeyRequestsPerSecond;
      const limit = perKey === undefined ? undefined : toWindowLimit(perKey, config.scale);
      return [scope, limit && Number.isFinite(limit.maxRequests) ? limit : undefined];
    }),
  ) as Record<RateLimitScope, WindowLimit | undefined>;
  // Ordered by last grant (re-inserted on each), so idle keys collect at the front and
  // eviction stops at the first busy one: memory follows the keys active in the last
  // window, not every chat ever seen.
  const keyWindows = new Map<string, SlidingWindow>();
  let waiters: Waiter[] = [];
  let wakeAtMs = Infinity;

  function keyOf(target: RateLimitTarget): string | undefined {
    const kind = scopeKeyKind[target.scope];
    if (kind === undefined || keyLimits[target.scope] === undefined) return undefined;
    const id = kind === "user" ? target.userId : target.chatId;
    if (!id) throw new TypeError(`rate-limit scope ${target.scope} needs a ${kind}Id`);
    // Scope-qualified: one chat's budget for GET /chats/{id} is separate from its members'.
    return `${target.scope}|${id}`;
  }

  function recordKey(scope: RateLimitScope, key: string, nowMs: number): void {
    const limit = keyLimits[scope];
    if (limit === undefined) return;
    const window = keyWindows.get(key) ?? new SlidingWindow(limit);
    keyWindows.delete(key);
    keyWindows.set(key, window);
    window.record(nowMs);
  }

  function evictIdle(nowMs: number): void {
    for (const [key, window] of keyWindows) {
      if (!window.isIdle(nowMs)) break;
      keyWindows.delete(key);
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
      const tenant = tenantWindows[waiter.scope];
      const keyed = waiter.key === undefined ? undefined : keyWindows.get(waiter.key);
      const readyAtMs = Math.max(tenant.readyAtMs(nowMs), keyed?.readyAtMs(nowMs) ?? nowMs);
      if (readyAtMs > nowMs) {
        stillWaiting.push(waiter);
        nextReadyMs = Math.min(nextReadyMs, readyAtMs);
        continue;
      }
      tenant.record(nowMs);
      if (waiter.key !== undefined) recordKey(waiter.scope, waiter.key, nowMs);
      waiter.grant();
    }
    waiters = stillWaiting;
    evictIdle(nowMs);
    if (nextReadyMs < Infinity) scheduleWake(nextReadyMs, nowMs);
  }

  return {
    acquire(target) {
      const key = keyOf(target);
      return new Promise<void>((grant) => {
        waiters.push({ scope: target.scope, key, grant });
        pump();
      });
    },
    pause(target, durationMs) {
      tenantWindows[target.scope].pauseUntil(clock.now() + Math.max(0, durationMs));
    },
    stats: () => ({ waiting: waiters.length, trackedKeys: keyWindows.size }),
  };
}
