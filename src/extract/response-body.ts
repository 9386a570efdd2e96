import { pipeline, Transform, type Readable } from "node:stream";
import zlib from "node:zlib";

export interface BodyLimits {
  /** Decoded bytes the body may have. */
  readonly maxBytes: number;
  /** Decoded bytes per byte received, for a compressed body past `ratioFromBytes`. */
  readonly maxExpansionRatio: number;
}

/** Below this much decoded, any ratio is fine: a small page of repeated keys compresses well. */
const ratioFromBytes = 1024 * 1024;

/** `Content-Encoding: gzip, br` is already unusual; more layers than this are an attack. */
const maxCodings = 2;

export type BodyRead =
  | { readonly kind: "read"; readonly bytes: Buffer }
  /** The body broke a limit or cannot be decoded; reading stopped and the connection is gone. */
  | { readonly kind: "refused"; readonly reason: string };

/**
 * Reads a response body as it arrives: decodes it with node:zlib (the platform's
 * decoders, with backpressure, so a bomb cannot run ahead of this loop), counts bytes on
 * the wire and decoded, and stops at the first limit crossed. `raw` is the body as
 * received (still content-encoded); destroying it drops the connection.
 *
 * Network failures and aborts (the request timeout) are thrown; what the body itself
 * gets wrong is returned as `refused`, to be treated like a page that is not JSON.
 */
export async function readBody(
  raw: Readable,
  contentEncoding: string | undefined,
  limits: BodyLimits,
): Promise<BodyRead> {
  const codings = parseCodings(contentEncoding);
  if (typeof codings === "string") {
    discard(raw);
    return { kind: "refused", reason: codings };
  }
  let wireBytes = 0;
  // A network failure or an abort reaches the decoders too: only an error that did not
  // come from the wire is the body's fault.
  let wireError: unknown;
  let decodeError: unknown;
  raw.on("error", (error) => (wireError ??= error));
  const decoders = codings.map((coding) => {
    const decoder = decoderFor(coding);
    decoder.once("error", (error) => (decodeError ??= error));
    return decoder;
  });
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      wireBytes += chunk.length;
      done(null, chunk);
    },
  });
  const decoded: Readable =
    decoders.length === 0
      ? raw
      : (pipeline([raw, counter, ...decoders], () => undefined) as unknown as Readable);
  const chunks: Buffer[] = [];
  let decodedBytes = 0;
  const refuse = (reason: string): BodyRead => {
    discard(decoded);
    discard(raw);
    return { kind: "refused", reason };
  };
  try {
    for await (const chunk of decoded as AsyncIterable<Buffer>) {
      decodedBytes += chunk.length;
      if (decodedBytes > limits.maxBytes) {
        return refuse(
          `the body is larger than the ${limits.maxBytes}-byte limit (GRAPH_MAX_RESPONSE_BYTES)`,
        );
      }
      if (
        decoders.length > 0 &&
        decodedBytes > ratioFromBytes &&
        decodedBytes > limits.maxExpansionRatio * wireBytes
      ) {
        return refuse(
          `the ${codings.join(", ")} body expands more than ${limits.maxExpansionRatio}-fold ` +
            `(${wireBytes} bytes received made ${decodedBytes} so far): a compression bomb`,
        );
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (decodeError !== undefined && decodeError !== wireError && error === decodeError) {
      const detail = error instanceof Error ? error.message : String(error);
      return refuse(`the ${codings.join(", ")} body cannot be decoded (${detail})`);
    }
    discard(raw);
    throw error;
  }
  return { kind: "read", bytes: Buffer.concat(chunks, decodedBytes) };
}

/**
 * Stops reading and drops the connection. undici reports a body destroyed before its
 * end as an 'error' event; here that is the intent, not a failure.
 */
export function discard(stream: Readable): void {
  stream.on("error", () => undefined);
  stream.destroy();
}

type Coding = "gzip" | "deflate" | "br";

/** The codings to undo, outermost first; a string says why the header is refused. */
function parseCodings(header: string | undefined): Coding[] | string {
  const listed = (header ?? "")
    .toLowerCase()
    .split(",")
    .map((coding) => coding.trim())
    .filter((coding) => coding !== "" && coding !== "identity");
  if (listed.length > maxCodings) {
    return `the body has ${listed.length} content-encodings (at most ${maxCodings} are read)`;
  }
  const codings: Coding[] = [];
  // Applied in the order listed, so undone from the last.
  for (const coding of listed.reverse()) {
    if (coding === "gzip" || coding === "x-gzip") codings.push("gzip");
    else if (coding === "deflate") codings.push("deflate");
    else if (coding === "br") codings.push("br");
    else return `the body has content-encoding '${coding.slice(0, 40)}', which is not read`;
  }
  return codings;
}

function decoderFor(coding: Coding): Transform {
  switch (coding) {
    case "gzip":
      return zlib.createGunzip();
    case "deflate":
      // HTTP's deflate is a zlib stream; raw deflate from broken servers fails to decode.
      return zlib.createInflate();
    case "br":
      return zlib.createBrotliDecompress();
  }
}
