import { DatabaseError, type ErrorContext } from "../errors.ts";
import { systemRandom, systemSleep, type Random, type Sleep } from "../runtime.ts";

/** How long to wait before trying again after a retryable database error. */
export interface RetryRule {
  readonly reason: string;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
}

const CONTENTION = { minDelayMs: 50, maxDelayMs: 2_000 };
const SERVER_GONE = { minDelayMs: 1_000, maxDelayMs: 30_000 };
const CROWDED = { minDelayMs: 500, maxDelayMs: 15_000 };

/** Postgres errors worth retrying, by SQLSTATE; every other SQLSTATE is fatal. */
export const RETRYABLE_SQLSTATES: Readonly<Record<string, RetryRule>> = Object.freeze({
  "40001": { reason: "serialization failure", ...CONTENTION },
  "40P01": { reason: "deadlock detected", ...CONTENTION },
  "55P03": { reason: "lock not available", ...CONTENTION },
  "57P01": { reason: "admin shutdown", ...SERVER_GONE },
  "57P02": { reason: "crash shutdown", ...SERVER_GONE },
  "57P03": { reason: "cannot connect now", ...SERVER_GONE },
  "53300": { reason: "too many connections", ...CROWDED },
});

/** SQLSTATE class 08 (connection exception): 08000, 08003, 08006, 08001, 08004... */
const CONNECTION_CLASS: RetryRule = { reason: "connection exception", ...SERVER_GONE };

/** The connection broke below Postgres: socket errors and pg's own messages for them. */
const SOCKET_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);
const CLIENT_CONNECTION_MESSAGES = [
  /^Connection terminated/,
  /is not queryable/,
  /timeout exceeded when trying to connect/,
];
const LOST_CONNECTION: RetryRule = { reason: "connection lost", ...SERVER_GONE };

// A DatabaseError someone else marked retryable, for a reason not in these tables.
const UNKNOWN_RETRYABLE: RetryRule = { reason: "retryable", ...CONTENTION };

/**
 * A transient condition our own code detects (not an error Postgres sent), with the rule
 * to retry it by: e.g. a write waiting for the run lock's connection to come back.
 */
export class TransientDatabaseError extends DatabaseError {
  readonly rule: RetryRule;

  constructor(message: string, rule: RetryRule, context: ErrorContext = {}) {
    super(message, { ...context, retryable: true });
    this.rule = rule;
  }
}

const SQLSTATE = /^[0-9A-Z]{5}$/;

/** The retry rule for an error, or undefined when retrying cannot help. */
export function retryRuleFor(error: unknown): RetryRule | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 5 && e instanceof Error; depth++) {
    if (e instanceof TransientDatabaseError) return e.rule;
    const code = sqlStateOf(e);
    if (code !== undefined) {
      return RETRYABLE_SQLSTATES[code] ?? (code.startsWith("08") ? CONNECTION_CLASS : undefined);
    }
    const errno = (e as { code?: unknown }).code;
    if (typeof errno === "string" && SOCKET_CODES.has(errno)) return LOST_CONNECTION;
    const message = e.message;
    if (CLIENT_CONNECTION_MESSAGES.some((m) => m.test(message))) return LOST_CONNECTION;
    e = e.cause;
  }
  return undefined;
}

/** The SQLSTATE of a server error (pg's errors carry `severity`; socket errors do not). */
export function sqlStateOf(error: unknown): string | undefined {
  if (error instanceof DatabaseError) return error.sqlState;
  if (typeof error !== "object" || error === null || !("severity" in error)) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && SQLSTATE.test(code) ? code : undefined;
}

/**
 * Whether a database error is about the data of one statement (SQLSTATE class 22, data
 * exception, or 54, program limit exceeded, e.g. `54000 index row requires … bytes`):
 * never retried, and only the chat or user whose rows it concerns need fail.
 */
export function isDataError(error: unknown): boolean {
  const code = sqlStateOf(error) ?? sqlStateOf((error as { cause?: unknown } | null)?.cause);
  return code !== undefined && (code.startsWith("22") || code.startsWith("54"));
}

/** Whether an error came from Postgres or the connection to it (rather than from our code). */
export function isDatabaseFailure(error: unknown): boolean {
  return (
    error instanceof DatabaseError ||
    sqlStateOf(error) !== undefined ||
    retryRuleFor(error) !== undefined
  );
}

/** Wraps a Postgres or connection error into a DatabaseError saying whether to retry. */
export function classifyDatabaseError(error: unknown, context: ErrorContext = {}): DatabaseError {
  if (error instanceof DatabaseError) return error;
  const sqlState = sqlStateOf(error);
  const rule = retryRuleFor(error);
  const message = error instanceof Error ? error.message : String(error);
  const what = [sqlState, rule?.reason].filter(Boolean).join(" ");
  return new DatabaseError(`database: ${what ? `${what}: ` : ""}${message}`, {
    ...context,
    cause: error,
    retryable: rule !== undefined,
    ...(sqlState === undefined ? {} : { sqlState }),
  });
}

/** How often a database operation is tried (the HTTP side has extract's RetryPolicy). */
export interface DatabaseRetryPolicy {
  /** Attempts in all, the first included; 1 means no retry. */
  readonly maxAttempts: number;
}

export const DEFAULT_DATABASE_RETRY: DatabaseRetryPolicy = Object.freeze({ maxAttempts: 5 });

export interface RetryHooks {
  /** Before each wait: the error, the attempt that failed (1-based), the wait, and why. */
  readonly onRetry?: (
    error: DatabaseError,
    attempt: number,
    delayMs: number,
    rule: RetryRule,
  ) => void;
  /** Injected so tests get fixed delays. */
  readonly random?: Random;
  readonly context?: ErrorContext;
}

/**
 * Runs `fn` (given the 1-based attempt number), retrying it after retryable database
 * errors with exponential backoff within the error's rule, jittered between half and
 * all of the step. Database errors end up as DatabaseError; other errors (bugs) pass
 * through untouched and are never retried.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  policy: DatabaseRetryPolicy = DEFAULT_DATABASE_RETRY,
  sleep: Sleep = systemSleep,
  hooks: RetryHooks = {},
): Promise<T> {
  const random = hooks.random ?? systemRandom;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (!isDatabaseFailure(error)) throw error;
      const classified = classifyDatabaseError(error, hooks.context);
      const rule = retryRuleFor(error) ?? (classified.retryable ? UNKNOWN_RETRYABLE : undefined);
      if (!rule || attempt >= policy.maxAttempts) throw classified;
      const step = Math.min(rule.maxDelayMs, rule.minDelayMs * 2 ** (attempt - 1));
      const delayMs = Math.round(step / 2 + (random() * step) / 2);
      hooks.onRetry?.(classified, attempt, delayMs, rule);
      await sleep(delayMs);
    }
  }
}
