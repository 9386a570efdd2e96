/**
 * Opaque `$skiptoken`s. A token is bound to the listing it came from (route, user or
 * chat, and the query shape): replaying it elsewhere, or a token that was tampered
 * with, gets Graph's 400 "Invalid continuation token".
 */
import { createHmac } from "node:crypto";
import { SimError } from "../sim-error.ts";

export type Cursor = Record<string, string | number | null>;

export class SkipTokens {
  constructor(private readonly key: Buffer) {}

  encode(listing: string, cursor: Cursor): string {
    const payload = Buffer.from(JSON.stringify({ l: listing, c: cursor })).toString("base64url");
    return `${payload}.${this.sign(payload)}`;
  }

  /** The cursor for this listing, or a 400 when the token is not one of ours for it. */
  decode(listing: string, token: string): Cursor {
    const [payload, signature, extra] = token.split(".");
    if (
      payload === undefined ||
      signature === undefined ||
      extra !== undefined ||
      this.sign(payload) !== signature
    ) {
      throw invalidContinuationToken();
    }
    const parsed: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    if (
      typeof parsed !== "object" ||
      parsed === null ||
      !("l" in parsed) ||
      !("c" in parsed) ||
      parsed.l !== listing
    ) {
      throw invalidContinuationToken();
    }
    return parsed.c as Cursor;
  }

  private sign(payload: string): string {
    return createHmac("sha256", this.key).update(payload).digest("base64url").slice(0, 16);
  }
}

export function invalidContinuationToken(): SimError {
  return new SimError(400, "BadRequest", "Invalid continuation token.");
}
