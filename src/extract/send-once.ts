import type { Now } from "../runtime.ts";
import type { TokenProvider } from "./auth.ts";
import { parseGraphErrorBody, type GraphErrorDetails } from "./graph-error-body.ts";
import { logContext, type GraphRequestOptions, type GraphResponse } from "./graph-request.ts";
import type { ExtractLogger } from "./logger.ts";
import { discard, readBody, type BodyLimits } from "./response-body.ts";
import { cleanError, cleanerFor, type CleanText } from "./response-text.ts";
import { parseRetryAfter, type Failure } from "./retry-policy.ts";
import type { GraphTransport } from "./transport.ts";

export interface SendOnceDeps {
  readonly tokenProvider: TokenProvider;
  readonly transport: GraphTransport;
  readonly now: Now;
  readonly logger: ExtractLogger;
  readonly newClientRequestId: () => string;
  readonly requestTimeoutMs: number;
  readonly bodyLimits: BodyLimits;
  /** Aborted when the whole run must stop: ends the attempt at once. */
  readonly stop?: AbortSignal;
}

/** One attempt that did not produce a usable body, with what is known about it. */
export interface FailedAttempt {
  readonly kind: "failed";
  readonly failure: Failure;
  /** 0 when no complete response arrived. */
  readonly status: number;
  readonly clientRequestId: string;
  /** Cleaned (see response-text.ts), as is everything here that came from the response. */
  readonly requestId: string | undefined;
  readonly graph: GraphErrorDetails | undefined;
  readonly retryAfterMs: number | undefined;
  readonly cause: unknown;
  /** The token the attempt carried, so a 401 can retire it. */
  readonly token: string;
}

export type AttemptOutcome =
  | { readonly kind: "ok"; readonly response: GraphResponse<unknown> }
  | { readonly kind: "redirect"; readonly location: string | null }
  | FailedAttempt;

/** Error envelopes are a few hundred bytes; a bigger one is not worth reading on. */
const errorBodyMaxBytes = 64 * 1024;
/** Graph's request ids are GUIDs; anything far longer is not one. */
const requestIdMaxLength = 128;

/**
 * One GET, no retry: token, fresh client-request-id, a timeout over the whole exchange
 * (body read included), the body read under size and expansion limits, and a debug line
 * with both request ids. The URL has already passed the origin guard. Every string kept
 * from the response is cleaned here, once, before anything logs or stores it.
 */
export async function sendOnce(
  url: URL,
  options: GraphRequestOptions,
  attempt: number,
  deps: SendOnceDeps,
): Promise<AttemptOutcome> {
  const token = await deps.tokenProvider.getToken();
  const clean = cleanerFor([token, ...(deps.tokenProvider.secrets?.() ?? [])]);
  const clientRequestId = deps.newClientRequestId();
  const headers = new Headers(options.headers);
  headers.set("accept", "application/json");
  // Graph compresses with gzip when asked; the body reader decodes it under its limits.
  headers.set("accept-encoding", "gzip");
  headers.set("authorization", `Bearer ${token}`);
  headers.set("client-request-id", clientRequestId);
  headers.set("return-client-request-id", "true");
  const controller = new AbortController();
  const timer = setTimeout(() => {
    const message = `no complete response within ${deps.requestTimeoutMs} ms`;
    controller.abort(new DOMException(message, "TimeoutError"));
  }, deps.requestTimeoutMs);
  const stop = (): void => controller.abort(deps.stop?.reason);
  deps.stop?.addEventListener("abort", stop, { once: true });
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
    if (deps.stop?.aborted) throw deps.stop.reason;
    const response = await deps.transport(url, headers, controller.signal);
    status = response.status;
    requestId = optional(response.headers.get("request-id"), clean, requestIdMaxLength);
    if (status >= 300 && status < 400) {
      // Redirects are ours to vet, and their bodies are of no use.
      discard(response.body);
      log("graph request");
      const location = response.headers.get("location");
      return { kind: "redirect", location: location === null ? null : clean(location, 8192) };
    }
    const ok = status >= 200 && status < 300;
    const limits = ok
      ? deps.bodyLimits
      : { ...deps.bodyLimits, maxBytes: Math.min(errorBodyMaxBytes, deps.bodyLimits.maxBytes) };
    const read = await readBody(response.body, response.contentEncoding, limits);
    log("graph request", read.kind === "refused" ? { refused: read.reason } : {});
    if (ok) {
      if (read.kind === "refused") return failed({ kind: "badBody", reason: read.reason }, {});
      try {
        const body: unknown = JSON.parse(read.bytes.toString("utf8"));
        cleanLinks(body, clean);
        const result = { body, status, headers: response.headers, requestId, clientRequestId };
        return { kind: "ok", response: result };
      } catch (error) {
        // V8's message quotes the start of the body.
        return failed({ kind: "invalidJson" }, { cause: cleanError(error, clean) });
      }
    }
    // An error answer keeps its status whatever its body: only Graph's details are lost.
    const graph =
      read.kind === "read"
        ? cleanDetails(parseGraphErrorBody(read.bytes.toString("utf8")), clean)
        : undefined;
    return failed(
      { kind: "status", status },
      {
        graph,
        requestId: requestId ?? graph?.requestId,
        retryAfterMs: parseRetryAfter(response.headers.get("retry-after"), deps.now()),
      },
    );
  } catch (error) {
    // Network and parser errors may quote what the server sent.
    const cause = cleanError(error, clean);
    log("graph request failed", { error: cause.message });
    // Status 0 even if headers had come: the response as a whole was not received.
    return failed({ kind: "network", error: cause }, { cause, status: 0 });
  } finally {
    clearTimeout(timer);
    deps.stop?.removeEventListener("abort", stop);
  }
}

function optional(value: string | null, clean: CleanText, maxLength: number): string | undefined {
  const cleaned = value === null ? "" : clean(value, maxLength);
  return cleaned === "" ? undefined : cleaned;
}

function cleanDetails(details: GraphErrorDetails, clean: CleanText): GraphErrorDetails {
  return {
    code: details.code === undefined ? undefined : clean(details.code, 100),
    message: details.message === undefined ? undefined : clean(details.message, 1000),
    requestId:
      details.requestId === undefined ? undefined : clean(details.requestId, requestIdMaxLength),
  };
}

/**
 * Paging links are followed and quoted in errors and logs, so what they carry of a
 * secret is cut as well (a genuine link never holds one). Only secrets: a link's length
 * and characters are the URL parser's business.
 */
function cleanLinks(body: unknown, clean: CleanText): void {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return;
  const page = body as Record<string, unknown>;
  for (const key of ["@odata.nextLink", "@odata.deltaLink"]) {
    const link = page[key];
    if (typeof link === "string") page[key] = clean(link, Number.MAX_SAFE_INTEGER);
  }
}
