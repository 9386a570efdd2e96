/**
 * Counts Retry-After violations: a request in a scope that was told to wait, arriving
 * after that answer went out but before the wait ended. Requests already in flight when
 * the answer was sent (they arrived before it) are not counted. Tests assert zero.
 */
export interface RetryAfterViolation {
  readonly scope: string;
  readonly method: string;
  readonly path: string;
  /** How much too early the request came. */
  readonly earlyByMs: number;
  readonly at: string;
}

interface Pending {
  readonly notBeforeMs: number;
  sentAtMs: number;
}

export class RetryAfterTracker {
  private readonly pending = new Map<string, Pending[]>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** A wait was decided for `scope`; returns a function to call once the answer is sent. */
  expect(scope: string, waitMs: number): () => void {
    const entry: Pending = { notBeforeMs: this.now() + waitMs, sentAtMs: Infinity };
    const list = this.pending.get(scope) ?? [];
    list.push(entry);
    this.pending.set(scope, list);
    return () => {
      entry.sentAtMs = Math.min(entry.sentAtMs, this.now());
    };
  }

  /** Checks an arriving request against its scopes; returns the violations it commits. */
  arrive(scopes: readonly string[], method: string, path: string): RetryAfterViolation[] {
    const now = this.now();
    const violations: RetryAfterViolation[] = [];
    for (const scope of scopes) {
      const list = this.pending.get(scope);
      if (!list) continue;
      const open = list.filter((entry) => now < entry.notBeforeMs);
      if (open.length === 0) this.pending.delete(scope);
      else if (open.length !== list.length) this.pending.set(scope, open);
      const broken = open.filter((entry) => now > entry.sentAtMs);
      if (broken.length > 0) {
        const earlyByMs = Math.max(...broken.map((entry) => entry.notBeforeMs - now));
        violations.push({ scope, method, path, earlyByMs, at: new Date().toISOString() });
      }
    }
    return violations;
  }

  reset(): void {
    this.pending.clear();
  }
}
