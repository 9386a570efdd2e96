import type { Json } from "./rows.ts";

/**
 * Makes untrusted JSON storable in Postgres, once, before anything reads it.
 *
 * - NUL (U+0000): text refuses it ("invalid byte sequence for encoding UTF8: 0x00") and
 *   jsonb refuses the `\u0000` escape ("unsupported Unicode escape sequence").
 * - Lone UTF-16 surrogates: JSON.stringify writes them as `\udXXX` escapes, which jsonb
 *   rejects ("invalid input syntax for type json"); as text parameters pg silently turns
 *   them into U+FFFD anyway.
 * Both become U+FFFD, in values and in object keys, each with a warning naming the
 * path. Long strings are kept whole (text and jsonb strings have no practical limit).
 * Values JSON cannot hold (non-finite numbers, undefined, functions, cycles) become null
 * or are dropped, with a warning; JSON.parse never produces them. Nesting deeper than
 * {@link MAX_DEPTH} (Graph's is about 5) becomes null, so that no later recursion, ours
 * or Postgres's, can run out of stack.
 */

const REPLACEMENT = "\uFFFD";
export const MAX_DEPTH = 128;
const ANY_SURROGATE = /[\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export interface SanitizedText {
  readonly text: string;
  /** What was replaced, e.g. `NUL character replaced with U+FFFD`; empty when nothing. */
  readonly problems: readonly string[];
}

/** Replaces NUL and lone surrogates with U+FFFD. */
export function sanitizeText(value: string): SanitizedText {
  const problems: string[] = [];
  let text = value;
  if (text.includes("\u0000")) {
    text = text.replaceAll("\u0000", REPLACEMENT);
    problems.push("NUL character replaced with U+FFFD");
  }
  if (ANY_SURROGATE.test(text)) {
    const fixed = text.replace(LONE_SURROGATE, REPLACEMENT);
    if (fixed !== text) {
      text = fixed;
      problems.push("lone UTF-16 surrogate replaced with U+FFFD");
    }
  }
  return { text, problems };
}

/**
 * `value` as storable JSON; problems are appended to `warnings` as
 * `<path>: <problem>` (`members[2].displayName: NUL character replaced with U+FFFD`).
 * Plain JSON with nothing to fix (what JSON.parse gives, nearly always) is returned as
 * is, without a copy; anything else is copied with the fixes. Callers never mutate it.
 */
export function sanitizeJson(value: unknown, warnings: string[], path = ""): Json {
  if (isStorable(value, 0, new Set())) return value as Json;
  return clean(value, path, warnings, new Set());
}

/** NUL or any surrogate (a pair is fine, but then the careful path decides). */
// eslint-disable-next-line no-control-regex -- finding NUL is the point
const SUSPECT = /[\u0000\uD800-\uDFFF]/;

/**
 * True when `value` is plain JSON that {@link clean} would copy unchanged: plain objects
 * and dense arrays only, finite numbers, no NUL or surrogate in any string or key, no
 * cycle, not deeper than MAX_DEPTH. Reads only; allocates nothing per value.
 */
function isStorable(value: unknown, depth: number, ancestors: Set<object>): boolean {
  switch (typeof value) {
    case "string":
      return !SUSPECT.test(value);
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    case "object": {
      if (value === null) return true;
      if (depth >= MAX_DEPTH || ancestors.has(value)) return false;
      ancestors.add(value);
      try {
        if (Array.isArray(value)) {
          for (let i = 0; i < value.length; i++) {
            if (!(i in value) || !isStorable(value[i], depth + 1, ancestors)) return false;
          }
          return true;
        }
        const proto: unknown = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) return false;
        for (const key in value) {
          if (!Object.hasOwn(value, key)) return false;
          if (SUSPECT.test(key)) return false;
          const item = (value as Record<string, unknown>)[key];
          if (item === undefined || !isStorable(item, depth + 1, ancestors)) return false;
        }
        return true;
      } finally {
        ancestors.delete(value);
      }
    }
    default:
      return false;
  }
}

function clean(value: unknown, path: string, warnings: string[], ancestors: Set<object>): Json {
  switch (typeof value) {
    case "string":
      return cleanString(value, path, warnings);
    case "boolean":
      return value;
    case "number":
      if (Number.isFinite(value)) return value;
      warnings.push(`${label(path)}: non-finite number ${String(value)} stored as null`);
      return null;
    case "object":
      if (value === null) return null;
      if (ancestors.size >= MAX_DEPTH) {
        warnings.push(`${label(path)}: nested deeper than ${MAX_DEPTH} levels; stored as null`);
        return null;
      }
      if (ancestors.has(value)) {
        warnings.push(`${label(path)}: circular reference stored as null`);
        return null;
      }
      ancestors.add(value);
      try {
        return Array.isArray(value)
          ? // Array.from visits holes too (as undefined -> null, like JSON.stringify).
            Array.from(value, (item: unknown, i) =>
              clean(item ?? null, `${path}[${i}]`, warnings, ancestors),
            )
          : cleanObject(value, path, warnings, ancestors);
      } finally {
        ancestors.delete(value);
      }
    default:
      warnings.push(`${label(path)}: ${typeof value} is not JSON; stored as null`);
      return null;
  }
}

function cleanObject(
  value: object,
  path: string,
  warnings: string[],
  ancestors: Set<object>,
): { [key: string]: Json } {
  const entries: [string, Json][] = [];
  for (const [rawKey, item] of Object.entries(value)) {
    if (item === undefined) continue; // as JSON.stringify does
    const key = cleanString(rawKey, path, warnings, "key ");
    entries.push([key, clean(item, path ? `${path}.${key}` : key, warnings, ancestors)]);
  }
  // fromEntries defines own properties, so a `__proto__` key stays data.
  return Object.fromEntries(entries);
}

function cleanString(value: string, path: string, warnings: string[], what = ""): string {
  const { text, problems } = sanitizeText(value);
  for (const problem of problems) warnings.push(`${label(path)}: ${what}${problem}`);
  return text;
}

function label(path: string): string {
  return path === "" ? "(item)" : path;
}
