/**
 * The project's small error hierarchy. Every error says what failed and carries the
 * context needed to find it (status, request id, user, stream) plus the `cause`.
 * `retryable` is decided once, where the error is classified, not by callers.
 */
export interface ErrorContext {
  readonly userId?: string;
  readonly chatId?: string;
  readonly stream?: string;
  readonly cause?: unknown;
}

export abstract class SyncError extends Error {
  abstract readonly retryable: boolean;
  readonly userId: string | undefined;
  readonly chatId: string | undefined;
  readonly stream: string | undefined;

  constructor(message: string, context: ErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = new.target.name;
    this.userId = context.userId;
    this.chatId = context.chatId;
    this.stream = context.stream;
  }
}

/** Wrong or missing configuration: the message says what to set. Exit code 1 (2 for usage). */
export class ConfigError extends SyncError {
  readonly retryable = false;
}

/** Could not get a token (bad credentials, unreachable authority). */
export class AuthError extends SyncError {
  readonly retryable = false;
}

export interface HttpErrorContext extends ErrorContext {
  readonly status: number;
  readonly method: string;
  /** URL without query secrets; tokens never appear in URLs we build. */
  readonly url: string;
  readonly requestId?: string;
  readonly clientRequestId?: string;
  readonly graphCode?: string;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
}

/** A Graph request that failed (HTTP status, or status 0 for a network error). */
export class GraphHttpError extends SyncError {
  readonly retryable: boolean;
  readonly status: number;
  readonly method: string;
  readonly url: string;
  readonly requestId: string | undefined;
  readonly clientRequestId: string | undefined;
  readonly graphCode: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, context: HttpErrorContext) {
    super(message, context);
    this.retryable = context.retryable;
    this.status = context.status;
    this.method = context.method;
    this.url = context.url;
    this.requestId = context.requestId;
    this.clientRequestId = context.clientRequestId;
    this.graphCode = context.graphCode;
    this.retryAfterMs = context.retryAfterMs;
  }
}

/** Graph answered something we cannot use (not JSON, a paging loop, a foreign nextLink). */
export class GraphProtocolError extends SyncError {
  readonly retryable = false;
}

/** A database operation failed; `retryable` from the SQLSTATE class (connection, serialization). */
export class DatabaseError extends SyncError {
  readonly retryable: boolean;
  readonly sqlState: string | undefined;

  constructor(message: string, context: ErrorContext & { sqlState?: string; retryable: boolean }) {
    super(message, context);
    this.retryable = context.retryable;
    this.sqlState = context.sqlState;
  }
}

/**
 * Graph answered nothing but 5xx or network failures for a sustained period: every other
 * request would fail the same way, so the run stops instead of trying each user in turn.
 */
export class GraphUnavailableError extends SyncError {
  readonly retryable = false;
  /** Failed attempts in a row when the run stopped. */
  readonly failedAttempts: number;
  /** How long Graph had not answered anything but 5xx or network failures. */
  readonly unansweredForMs: number;

  constructor(
    message: string,
    context: ErrorContext & { failedAttempts: number; unansweredForMs: number },
  ) {
    super(message, context);
    this.failedAttempts = context.failedAttempts;
    this.unansweredForMs = context.unansweredForMs;
  }
}
