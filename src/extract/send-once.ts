import type { TokenProvider } from "./auth.ts";
import { parseGraphErrorBody, type GraphErrorDetails } from "./graph-error-body.ts";
import { logContext, type GraphRequestOptions, type GraphResponse } from "./graph-request.ts";
import { parseRetryAfter, type Failure } from "./retry-policy.ts";
import type { ExtractLogger, Now } from "./runtime.ts";

export interface SendOnceDeps {
  readonly tokenProvider: TokenProvider;
  readonly fetch: typeof fetch;
  readonly now: Now;
  readonly logger: ExtractLogger;
  readonly newClientRequestId: () => string;
  readonly requestTimeoutMs: number;
}

/** One attempt that did not produce a usable body, with what is known about it. */
export interface FailedAttempt {
  readonly kind: "failed";
  readonly failure: Failure;
  /** 0 when no complete response arrived. */
  readonly status: number;
  readonly clientRequestId: string;
  readonly requestId: string | undefined;
  readonly graph: GraphErrorDetails | undefined;
  readonly retryAfterMs: number | undefined;
  readonly cause: unknown;
  /** The token the attempt carried, so any echo of it can be cut from messages. */
  readonly token: string;
}

export type AttemptOutcome =
  | { readonly kind: "ok"; readonly response: GraphResponse<unknown> }
  | { readonly kind: "redirect"; readonly location: string | null }
  | FailedAttempt;

/**
 * One GET, no retry: token, fresh client-request-id, a timeout over the whole exchange,
 * and a debug line with both request ids. The URL has already passed the origin guard.
 */
export async function sendOnce(
  url: URL,
  options: GraphRequestOptions,
  attempt: number,
  deps: SendOnceDeps,
): Promise<AttemptOutcome> {
  const token = await deps.tokenProvider.getToken();
  const clientRequestId = deps.newClientRequestId();
  const headers = new Headers(options.headers);
  headers.set("accept", "application/json");
  headers.set("authorization", `Bearer ${token}`);
  headers.set("client-request-id", clientRequestId);
  headers.set("return-client-request-id", "true");
  const controller = new AbortController();
  const timer = setTimeout(() => {
    const message = `no complete response within ${deps.requestTimeoutMs} ms`;
    controller.abort(new DOMException(message, "TimeoutError"));
  }, deps.requestTimeoutMs);
  const startedMs = deps.now();
  let status = 0;
  let requestId: string | undefined;
  const log = (message: string, extra: Record<string, unknown> = {}): void => {
    const durationMs = deps.now() - startedMs;
    const ids = { clientRequestId, requestId };
    deps.logger.debug(
      { ...logContext(url, options), status, attempt, ...ids, durationMs, ...extra },
      message,
    );
  };
  const failed = (failure: Failure, known: Partial<FailedAttempt>): FailedAttempt => ({
    kind: "failed",
    failure,
    status,
    clientRequestId,
    requestId,
    graph: undefined,
    retryAfterMs: undefined,
    cause: undefined,
    token,
    ...known,
  });
  try {
    // Redirects are ours to vet: fetch would follow one to any origin.
    const response = await deps.fetch(url, {
      method: "GET",
      headers,
      redirect: "manual",
      signal: controller.signal,
    });
    status = response.status;
    requestId = response.headers.get("request-id") ?? undefined;
    // Read under the same timeout: a stalled body is as stuck as a stalled connect.
    const text = await response.text();
    log("graph request");
    if (status >= 300 && status < 400) {
      return { kind: "redirect", location: response.headers.get("location") };
    }
    if (status >= 200 && status < 300) {
      try {
        const body: unknown = JSON.parse(text);
        const result = { body, status, headers: response.headers, requestId, clientRequestId };
        return { kind: "ok", response: result };
      } catch (error) {
        return failed({ kind: "invalidJson" }, { cause: error });
      }
    }
    const graph = parseGraphErrorBody(text);
    return failed(
      { kind: "status", status },
      {
        graph,
        requestId: requestId ?? graph.requestId,
        retryAfterMs: parseRetryAfter(response.headers.get("retry-after"), deps.now()),
      },
    );
  } catch (error) {
    log("graph request failed", { error: error instanceof Error ? error.message : String(error) });
    // Status 0 even if headers had come: the response as a whole was not received.
    return failed({ kind: "network", error }, { cause: error, status: 0 });
  } finally {
    clearTimeout(timer);
  }
}
