/**
 * Compression bombs for tests: small on the wire, huge once decoded, built from a few
 * kilobytes of real zlib output repeated, so making one costs nothing. A test server
 * streams them with backpressure and stops when the client goes away, which tells the
 * test how much was actually sent.
 */
import type { ServerResponse } from "node:http";
import zlib from "node:zlib";

const MiB = 1024 * 1024;

export interface Bomb {
  readonly encoding: "gzip" | "deflate";
  /** Wire pieces, in order. */
  readonly pieces: readonly Buffer[];
  readonly wireBytes: number;
  readonly decodedBytes: number;
}

/** Concatenated gzip members (gunzip reads them as one body), 16 MiB of zeros each. */
export function gzipBomb(decodedBytes: number): Bomb {
  const memberSize = 16 * MiB;
  const member = zlib.gzipSync(Buffer.alloc(memberSize), { level: 9 });
  const count = Math.ceil(decodedBytes / memberSize);
  const pieces = Array.from({ length: count }, () => member);
  return { encoding: "gzip", pieces, wireBytes: member.length * count, decodedBytes };
}

/**
 * A zlib stream (what `Content-Encoding: deflate` means) whose body is one sync-flushed
 * deflate segment of 1 MiB of zeros, repeated: each segment starts on a byte boundary
 * and only refers back to zeros, so any number of them in a row is valid.
 */
export function deflateBomb(decodedBytes: number): Bomb {
  const header = Buffer.from([0x78, 0xda]);
  const segment = zlib.deflateRawSync(Buffer.alloc(MiB), {
    level: 9,
    finishFlush: zlib.constants.Z_SYNC_FLUSH,
  });
  const count = Math.ceil(decodedBytes / MiB);
  const pieces = [header, ...Array.from({ length: count }, () => segment)];
  return {
    encoding: "deflate",
    pieces,
    wireBytes: header.length + segment.length * count,
    decodedBytes,
  };
}

/**
 * Streams `bomb` as a 200 JSON answer, honouring backpressure. Resolves with the bytes
 * written once the body is done or the client has gone.
 */
export async function serveBomb(response: ServerResponse, bomb: Bomb): Promise<number> {
  response.writeHead(200, {
    "content-type": "application/json",
    "content-encoding": bomb.encoding,
  });
  let written = 0;
  let gone = false;
  response.once("close", () => (gone = true));
  for (const piece of bomb.pieces) {
    if (gone || response.destroyed) break;
    written += piece.length;
    if (!response.write(piece)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          response.off("drain", done);
          response.off("close", done);
          resolve();
        };
        response.on("drain", done);
        response.on("close", done);
      });
    }
  }
  if (!gone && !response.destroyed) response.end();
  return written;
}
