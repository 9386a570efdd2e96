/**
 * Serializes rows for `jsonb_to_recordset($1::jsonb)`. Postgres text and jsonb cannot
 * hold U+0000, and jsonb refuses the escape of an unpaired surrogate; Graph content
 * (message bodies, display names) can carry both. Left alone, one such string would
 * fail its user's transaction on every run, so they become U+FFFD instead.
 */
export function toJsonParam(value: unknown): string {
  const json = JSON.stringify(value) ?? "null";
  // JSON.stringify writes both only as \u escapes, so the common case is one scan.
  return UNSTORABLE_ESCAPE.test(json) ? JSON.stringify(value, replaceUnstorable) : json;
}

const UNSTORABLE_ESCAPE = /\\u0000|\\ud[89a-f]/i;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function replaceUnstorable(_key: string, value: unknown): unknown {
  if (typeof value === "string") return clean(value);
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  if (!keys.some((k) => clean(k) !== k)) return value;
  return Object.fromEntries(keys.map((k) => [clean(k), (value as Record<string, unknown>)[k]]));
}

function clean(text: string): string {
  return text.replaceAll("\u0000", "\ufffd").replace(LONE_SURROGATE, "\ufffd");
}
