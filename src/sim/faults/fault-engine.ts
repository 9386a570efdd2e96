/**
 * Decides which fault rules fire for a request, phase by phase: before the handler
 * (errors, resets), as a delay, and on the finished page or body. Each rule has its own
 * seeded PRNG stream and counter; its share is drawn only for requests it could apply
 * to, so the same request sequence gives the same faults.
 */
import { Prng } from "../random.ts";
import { GRAPH_ROUTE_KINDS, type RouteKind } from "../route-kind.ts";
import { MESSAGE_ROUTE_KINDS, type FaultKind, type FaultRule } from "./fault-rules.ts";

export interface FaultRequest {
  readonly kind: RouteKind;
  readonly userId?: string;
  readonly chatId?: string;
  readonly hasSkipToken: boolean;
}

type Fired<K extends FaultKind> = Extract<FaultRule, { kind: K }>;

interface ArmedRule {
  readonly rule: FaultRule;
  readonly rng: Prng;
  fired: number;
}

export interface FaultCount {
  readonly index: number;
  readonly kind: FaultKind;
  readonly fired: number;
}

const BEFORE: readonly FaultKind[] = [
  "connectionReset",
  "http500",
  "http503",
  "http504",
  "tokenRevoked",
  "userError",
  "invalidContinuationToken",
  "protectedApi",
];

export class FaultEngine {
  private armed: ArmedRule[] = [];
  /** Bearer tokens a `tokenRevoked` rule has retired. */
  private readonly revokedTokens = new Set<string>();

  constructor(
    private readonly seed: number | string,
    /** Resolves a UPN in a rule to the user id requests carry. */
    private readonly resolveUser: (idOrUpn: string) => string | undefined,
    rules: readonly FaultRule[] = [],
  ) {
    this.set(rules);
  }

  /** Replaces the rules; counters, PRNG streams and revoked tokens start over. */
  set(rules: readonly FaultRule[]): void {
    this.revokedTokens.clear();
    this.armed = rules.map((rule, index) => ({
      rule,
      rng: Prng.from(this.seed, "fault", index, rule.kind),
      fired: 0,
    }));
  }

  rules(): FaultRule[] {
    return this.armed.map((a) => a.rule);
  }

  counts(): FaultCount[] {
    return this.armed.map((a, index) => ({ index, kind: a.rule.kind, fired: a.fired }));
  }

  /** The first error/reset fault that fires before the handler runs. */
  before(
    request: FaultRequest,
  ): Fired<
    | "connectionReset"
    | "http500"
    | "http503"
    | "http504"
    | "tokenRevoked"
    | "userError"
    | "invalidContinuationToken"
    | "protectedApi"
  > | null {
    for (const armed of this.armed) {
      const { rule } = armed;
      if (!BEFORE.includes(rule.kind)) continue;
      if (rule.kind === "invalidContinuationToken" && !request.hasSkipToken) continue;
      if (rule.kind === "userError" && request.userId === undefined) continue;
      if (this.fire(armed, request)) return rule as Fired<"http503">;
    }
    return null;
  }

  revoke(token: string): void {
    this.revokedTokens.add(token);
  }

  isRevoked(token: string): boolean {
    return this.revokedTokens.has(token);
  }

  /** Whether the answer to this request is to echo the request's credentials. */
  echoes(request: FaultRequest): boolean {
    return this.armed.some(
      (armed) => armed.rule.kind === "echoSecrets" && this.fire(armed, request),
    );
  }

  /** Extra delay from `slow` rules that fire. */
  delayMs(request: FaultRequest): number {
    let delay = 0;
    for (const armed of this.armed) {
      if (armed.rule.kind === "slow" && this.fire(armed, request)) delay += armed.rule.delayMs;
    }
    return delay;
  }

  /** A nextLink rule that fires on a page: `repeatNextLink` only on a last page, `foreignNextLink` only with a nextLink. */
  onPage(
    request: FaultRequest,
    hasNextLink: boolean,
  ): Fired<"repeatNextLink" | "foreignNextLink"> | null {
    for (const armed of this.armed) {
      const { rule } = armed;
      if (rule.kind === "repeatNextLink" && !hasNextLink && this.fire(armed, request)) return rule;
      if (rule.kind === "foreignNextLink" && hasNextLink && this.fire(armed, request)) return rule;
    }
    return null;
  }

  /** Whether a 200 JSON body is to be truncated. */
  malformed(request: FaultRequest): boolean {
    return this.armed.some(
      (armed) => armed.rule.kind === "malformedJson" && this.fire(armed, request),
    );
  }

  private fire(armed: ArmedRule, request: FaultRequest): boolean {
    const { rule } = armed;
    if (rule.count !== undefined && armed.fired >= rule.count) return false;
    const routes =
      rule.routes ?? (rule.kind === "protectedApi" ? MESSAGE_ROUTE_KINDS : GRAPH_ROUTE_KINDS);
    if (!routes.includes(request.kind)) return false;
    if (rule.users && !rule.users.some((u) => (this.resolveUser(u) ?? u) === request.userId))
      return false;
    if (rule.chats && (request.chatId === undefined || !rule.chats.includes(request.chatId)))
      return false;
    if (rule.share !== undefined && rule.share < 1 && !armed.rng.chance(rule.share)) return false;
    armed.fired++;
    return true;
  }
}
