import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { Agent, type Dispatcher } from "undici";

/** A response whose body has not been read yet. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  /** The body as it came off the wire; destroying it drops the connection. */
  readonly body: Readable;
  /** The codings still applied to `body` (undefined when it is plain already). */
  readonly contentEncoding: string | undefined;
}

/** One GET with these headers, aborted by `signal` at any point, body read included. */
export type GraphTransport = (
  url: URL,
  headers: Headers,
  signal: AbortSignal,
) => Promise<RawResponse>;

/**
 * The default transport: undici's `request`, which hands over the body exactly as
 * received. fetch decodes content itself, so it cannot say how many bytes came over
 * the wire (the expansion guard needs both numbers), and its deflate decoder pushes
 * output without backpressure, so a deflate bomb outruns any reader. Redirects are
 * not followed: the caller vets each Location.
 */
export function undiciTransport(dispatcher: Dispatcher = new Agent()): GraphTransport {
  return async (url, headers, signal) => {
    const response = await dispatcher.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: "GET",
      headers: Object.fromEntries(headers),
      signal,
    });
    const received = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      if (value === undefined) continue;
      for (const one of Array.isArray(value) ? value : [value]) received.append(name, one);
    }
    return {
      status: response.statusCode,
      headers: received,
      body: response.body,
      contentEncoding: received.get("content-encoding") ?? undefined,
    };
  };
}

/**
 * A transport over a fetch function, for tests that watch requests through their own
 * fetch. fetch has decoded the body before we see it, so the expansion guard sees a
 * plain body (the size cap still holds); it asks for an uncompressed answer to keep
 * that honest.
 */
export function fetchTransport(fetchFn: typeof fetch): GraphTransport {
  return async (url, headers, signal) => {
    const sent = new Headers(headers);
    sent.set("accept-encoding", "identity");
    const response = await fetchFn(url, {
      method: "GET",
      headers: sent,
      redirect: "manual",
      signal,
    });
    const body = response.body
      ? Readable.fromWeb(response.body as WebReadableStream<Uint8Array>, { signal })
      : Readable.from([]);
    return { status: response.status, headers: response.headers, body, contentEncoding: undefined };
  };
}
