/**
 * A JSON body as a list of pieces: strings built per request and Buffers cached per chat
 * version (the 25 expanded members). Sending the pieces as they are avoids copying a
 * 400 KB page into one string and encoding it again on every request.
 */
export type JsonChunk = string | Buffer;
export type JsonChunks = readonly JsonChunk[];

/** Buffers ready to write; adjacent strings are encoded together. */
export function toBuffers(chunks: JsonChunks): Buffer[] {
  const out: Buffer[] = [];
  let pending = "";
  for (const chunk of chunks) {
    if (typeof chunk === "string") {
      pending += chunk;
      continue;
    }
    if (pending !== "") out.push(Buffer.from(pending, "utf8"));
    pending = "";
    out.push(chunk);
  }
  if (pending !== "") out.push(Buffer.from(pending, "utf8"));
  return out;
}

export function chunksToString(chunks: JsonChunks): string {
  return chunks.map((c) => (typeof c === "string" ? c : c.toString("utf8"))).join("");
}
