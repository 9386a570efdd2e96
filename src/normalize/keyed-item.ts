import { describeJson, isJsonObject, ownValue } from "./fields.ts";
import { MAX_ID_LENGTH } from "./limits.ts";
import type { NormalizeOptions } from "./options.ts";
import { applyPrivacy } from "./privacy.ts";
import type { Json, JsonObject, Normalized, Rejected } from "./rows.ts";

/**
 * Why `id` cannot key a row, or null when it can: too long for any Graph id, or a dot
 * segment, which would change the meaning of a URL it is put into.
 */
export function unusableIdReason(id: string): string | null {
  if (id.length > MAX_ID_LENGTH)
    return `id is ${id.length} characters long, longer than any Graph id (at most ${MAX_ID_LENGTH})`;
  if (id === "." || id === "..") return `id '${id}' is not a Graph id (a dot path segment)`;
  return null;
}

/**
 * The one reason to reject an item: it cannot be keyed. An item that is not an object,
 * or whose `id` is missing, not a string, empty, or unusable as an id (see
 * unusableIdReason), has no row to go to; it becomes a dead-letter record holding the
 * (sanitized, redacted) JSON and the reason.
 */
export type KeyedItem =
  { ok: true; item: JsonObject; id: string } | { ok: false; rejected: Rejected };

export function keyItem(
  clean: Json,
  kind: string,
  context: string,
  options: NormalizeOptions,
): KeyedItem {
  const reject = (reason: string): KeyedItem => ({
    ok: false,
    rejected: { kind, context, reason, raw: applyPrivacy(clean, options) },
  });
  if (!isJsonObject(clean)) return reject(`item is not an object (got ${describeJson(clean)})`);
  const id = ownValue(clean, "id");
  if (id === undefined || id === null) return reject("missing id");
  if (typeof id !== "string") return reject(`id is not a string (got ${describeJson(id)})`);
  if (id === "") return reject("empty id");
  const unusable = unusableIdReason(id);
  if (unusable !== null) return reject(unusable);
  return { ok: true, item: clean, id };
}

/** The warnings of a nested normalization, and a line for its rejection. */
export function rejectionWarning(path: string, rejected: Rejected): string {
  return `${path}: ${rejected.kind} rejected (${rejected.reason}); left out`;
}

export function accepted<T>(value: T, warnings: string[]): Normalized<T> {
  return { ok: true, value, warnings };
}

/** The object without Graph's response annotation `@odata.context` (differs list vs get). */
export function withoutResponseContext(item: JsonObject): JsonObject {
  if (!Object.hasOwn(item, "@odata.context")) return item;
  return Object.fromEntries(Object.entries(item).filter(([key]) => key !== "@odata.context"));
}
