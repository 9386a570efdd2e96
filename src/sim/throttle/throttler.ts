/**
 * Admits or throttles a request against every bucket of its scopes. A throttled request
 * consumes nothing; its Retry-After is the time until all its buckets would admit it.
 */
import type { RouteKind } from "../route-kind.ts";
import { TokenBucket } from "./token-bucket.ts";
import { THROTTLE_RULES, type ThrottleSettings } from "./throttle-policy.ts";

export interface ThrottleTarget {
  readonly userId?: string;
  readonly chatId?: string;
}

export type ThrottleDecision =
  | { readonly allowed: true; readonly scopes: readonly string[] }
  | {
      readonly allowed: false;
      readonly scopes: readonly string[];
      /** The scope whose bucket is empty longest (what the 429 is "for"). */
      readonly scope: string;
      readonly retryAfterMs: number;
    };

export class Throttler {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private settings: ThrottleSettings,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get rateScale(): number {
    return this.settings.rateScale;
  }

  /** Changes the limits; buckets start full again. */
  configure(settings: Partial<ThrottleSettings>): void {
    this.settings = { ...this.settings, ...settings };
    this.buckets.clear();
  }

  /** The scope keys a request counts against (empty for unthrottled routes). */
  scopesOf(kind: RouteKind, target: ThrottleTarget): string[] {
    return dimensionsOf(kind, target).map((d) => d.key);
  }

  admit(kind: RouteKind, target: ThrottleTarget): ThrottleDecision {
    const dimensions = dimensionsOf(kind, target);
    const scopes = dimensions.map((d) => d.key);
    if (dimensions.length === 0 || this.settings.rateScale <= 0) return { allowed: true, scopes };
    const now = this.now();
    const buckets: TokenBucket[] = [];
    let worst: { scope: string; waitMs: number } | null = null;
    for (const { key, perSecond } of dimensions) {
      const bucket = this.bucket(key, perSecond * this.settings.rateScale, now);
      buckets.push(bucket);
      const waitMs = bucket.waitMs(now, this.settings.toleranceMs);
      if (waitMs > 0 && (!worst || waitMs > worst.waitMs)) worst = { scope: key, waitMs };
    }
    if (worst) return { allowed: false, scopes, scope: worst.scope, retryAfterMs: worst.waitMs };
    for (const bucket of buckets) bucket.take(now);
    return { allowed: true, scopes };
  }

  private bucket(key: string, ratePerSecond: number, now: number): TokenBucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(
        ratePerSecond,
        Math.max(1, ratePerSecond * this.settings.burstSeconds),
        now,
      );
      this.buckets.set(key, bucket);
    }
    return bucket;
  }
}

/** One bucket a request counts against: its key and Graph's rate for it (unscaled). */
export interface ThrottleDimension {
  readonly key: string;
  readonly perSecond: number;
}

/** The buckets a request counts against (none for unthrottled routes). */
export function dimensionsOf(kind: RouteKind, target: ThrottleTarget): ThrottleDimension[] {
  const rule = THROTTLE_RULES[kind];
  if (!rule) return [];
  const dimensions: ThrottleDimension[] = [];
  for (const { scope, perSecond } of rule.limits) {
    const key = scopeKey(rule.group, scope, target);
    if (key) dimensions.push({ key, perSecond });
  }
  return dimensions;
}

function scopeKey(
  group: string,
  scope: "tenant" | "user" | "chat",
  target: ThrottleTarget,
): string | null {
  if (scope === "tenant") return `${group}:tenant`;
  const id = scope === "user" ? target.userId : target.chatId;
  return id === undefined ? null : `${group}:${scope}:${id}`;
}

/** Retry-After as Graph may send it: seconds with a fractional part (`0.437`). */
export function formatRetryAfter(ms: number): string {
  return (Math.max(1, Math.ceil(ms)) / 1000).toFixed(3);
}
