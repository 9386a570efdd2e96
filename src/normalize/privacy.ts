import { createHash } from "node:crypto";
import type { NormalizeOptions } from "./options.ts";
import type { Json } from "./rows.ts";

/**
 * Applies the privacy options to any Graph JSON before it is stored (`raw`,
 * `event_detail`, dead-letter records), so that one place decides what leaves.
 */

/** Lowercase-hex SHA-256 of the lowercased address (pure computation, no I/O). */
export function hashEmail(email: string): string {
  return createHash("sha256").update(email.toLowerCase(), "utf8").digest("hex");
}

/** Keys whose string values are email addresses in Graph payloads (members, users). */
const EMAIL_KEYS = new Set(["email", "mail"]);

/**
 * - `hashEmails`: every string equal (ignoring case) to an address found under an
 *   `email`/`mail` key anywhere in `json` is replaced by its hash, wherever it sits.
 * - `!includeMessageBodies`: every `body` object loses its `content`.
 */
export function applyPrivacy(json: Json, options: NormalizeOptions): Json {
  let out = json;
  if (!options.includeMessageBodies) out = dropBodyContent(out);
  if (options.hashEmails) out = hashEmailsDeep(out, collectEmails(out));
  return out;
}

/** The lowercased addresses under `email`/`mail` keys anywhere in `json`. */
export function collectEmails(json: Json, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(json)) {
    for (const item of json) collectEmails(item, into);
  } else if (typeof json === "object" && json !== null) {
    for (const [key, value] of Object.entries(json)) {
      if (EMAIL_KEYS.has(key) && typeof value === "string" && value !== "") {
        into.add(value.toLowerCase());
      } else {
        collectEmails(value, into);
      }
    }
  }
  return into;
}

/**
 * `value` (rows or JSON) with every string equal, ignoring case, to one of `emails`
 * (lowercased) replaced by its hash: columns, raw and display names alike.
 */
export function hashEmailsDeep<T>(value: T, emails: ReadonlySet<string>): T {
  if (emails.size === 0) return value;
  const hashed = mapJson(value as Json, (v) =>
    typeof v === "string" && emails.has(v.toLowerCase()) ? hashEmail(v) : v,
  );
  return hashed as T;
}

function dropBodyContent(json: Json): Json {
  return mapJson(json, (value, key) => {
    if (key !== "body" || typeof value !== "object" || value === null || Array.isArray(value)) {
      return value;
    }
    return Object.fromEntries(Object.entries(value).filter(([k]) => k !== "content"));
  });
}

/** Rebuilds `json` bottom-up, calling `fn` on each value with the key it sits under. */
function mapJson(
  json: Json,
  fn: (value: Json, key: string | null) => Json,
  key: string | null = null,
): Json {
  let mapped: Json = json;
  if (Array.isArray(json)) {
    mapped = json.map((item) => mapJson(item, fn, null));
  } else if (typeof json === "object" && json !== null) {
    mapped = Object.fromEntries(Object.entries(json).map(([k, v]) => [k, mapJson(v, fn, k)]));
  }
  return fn(mapped, key);
}
