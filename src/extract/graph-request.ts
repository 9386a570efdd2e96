import type { ErrorContext } from "../errors.ts";
import type { RateLimitScope } from "./rate-limits.ts";

export interface GraphRequestOptions {
  /** Which rate-limit budget the request spends (with `userId` / `chatId` as its key). */
  readonly scope: RateLimitScope;
  readonly headers?: Readonly<Record<string, string>>;
  readonly userId?: string;
  readonly chatId?: string;
  /** For error context and logs: `users`, `chats`, `members`, `operations`. */
  readonly stream?: string;
}

export interface GraphResponse<T> {
  /** The parsed JSON, unchecked: callers validate the shape they rely on. */
  readonly body: T;
  readonly status: number;
  /**
   * As received, not cleaned: a value shown or stored from here must go through
   * response-text.ts first (the fields below already have).
   */
  readonly headers: Headers;
  /** Graph's `request-id` header, cleaned: what Microsoft support asks for. */
  readonly requestId: string | undefined;
  readonly clientRequestId: string;
}

export function errorContext(options: GraphRequestOptions): ErrorContext {
  return { userId: options.userId, chatId: options.chatId, stream: options.stream };
}

export function logContext(url: URL, options: GraphRequestOptions): Record<string, unknown> {
  return { method: "GET", url: url.href, scope: options.scope, ...errorContext(options) };
}

/** `; stream chats, user u1` for error messages, or nothing. */
export function describeContext(options: GraphRequestOptions): string {
  const parts = [
    options.stream && `stream ${options.stream}`,
    options.userId && `user ${options.userId}`,
    options.chatId && `chat ${options.chatId}`,
  ].filter(Boolean);
  return parts.length === 0 ? "" : `; ${parts.join(", ")}`;
}
