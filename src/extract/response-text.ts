import { maskKnownSecrets } from "./known-secrets.ts";

/**
 * Cleaning of the strings a response gives us (header values, Graph's error code and
 * message, links) before anything keeps them: a server or a proxy may echo the request's
 * Authorization header into any of them, and whatever is kept ends up in logs, the run
 * summary and tables analysts read.
 */
export type CleanText = (text: string, maxLength?: number) => string;

/** C0 and C1 controls, and the marks that reorder or break a line when it is shown. */
const unshowable = /[\p{Cc}\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;
/** A bearer credential we do not know of (another token, a proxy's own). */
const bearerCredential = /\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/gi;
/** A JWT (an access token, a client assertion) we do not know of. */
const jwt = /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g;

export const defaultCleanLength = 500;

/**
 * `text` without control characters, without any of `secrets` (cut after the controls
 * are gone, so a control inside a secret does not hide it), without bearer credentials
 * and JWTs, at most `maxLength` characters.
 */
export function cleanResponseText(
  text: string,
  secrets: readonly (string | undefined)[],
  maxLength = defaultCleanLength,
): string {
  const cleaned = maskKnownSecrets(text.replace(unshowable, ""), secrets)
    .replace(bearerCredential, "$1 [redacted]")
    .replace(jwt, "[redacted-jwt]");
  if (cleaned.length <= maxLength) return cleaned;
  // Not ending on half a surrogate pair.
  return `${cleaned.slice(0, maxLength - 1).replace(/[\uD800-\uDBFF]$/, "")}…`;
}

/** Whether `text` holds something shaped like a credential (a bearer token, a JWT). */
export function showsCredential(text: string): boolean {
  return new RegExp(bearerCredential.source, "i").test(text) || new RegExp(jwt.source).test(text);
}

/** A cleaner bound to the secrets one request knows of. */
export function cleanerFor(secrets: readonly (string | undefined)[]): CleanText {
  return (text, maxLength) => cleanResponseText(text, secrets, maxLength);
}

/**
 * A copy of an error chain (name, code, message, cause) with every message cleaned: a
 * parser error quotes the body it choked on, and an HTTP parser error the raw bytes.
 * What classification reads (name, code) is kept.
 */
export function cleanError(error: unknown, clean: CleanText, depth = 0): Error {
  if (!(error instanceof Error)) return new Error(clean(String(error)));
  const cause =
    error.cause === undefined || depth >= 8 ? undefined : cleanError(error.cause, clean, depth + 1);
  const copy = new Error(clean(error.message, 1000), cause === undefined ? undefined : { cause });
  copy.name = error.name;
  copy.stack = `${copy.name}: ${copy.message}`;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") Object.assign(copy, { code: clean(code, 100) });
  return copy;
}
