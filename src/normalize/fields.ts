import { MAX_ID_LENGTH } from "./limits.ts";
import { stripODataType } from "./odata-type.ts";
import type { Json, JsonObject, Timestamp } from "./rows.ts";
import { parseGraphTimestamp } from "./timestamp.ts";

/**
 * Reads the descriptive fields of one (sanitized) Graph object. A missing or null field
 * is null; a field of the wrong type is null plus a warning (the row's `raw` still holds
 * what Graph sent). `T` is the Graph type the object claims to be, so field names are
 * checked against @microsoft/microsoft-graph-types.
 */
export class FieldReader<T extends object> {
  constructor(
    private readonly source: JsonObject,
    /** Where `source` sits in the item, for warnings (`members[2]`); "" at the top. */
    private readonly path: string,
    private readonly warnings: string[],
  ) {}

  string(key: FieldKey<T>): string | null {
    const value = this.get(key);
    return typeof value === "string" || value === null ? value : this.wrong(key, "a string");
  }

  /**
   * A string that identifies something (a user, a tenant, an app): one longer than any
   * Graph id is stored as null with a warning, since no index could hold it.
   */
  identifier(key: FieldKey<T>): string | null {
    const value = this.string(key);
    if (value === null || value.length <= MAX_ID_LENGTH) return value;
    this.warnings.push(
      `${this.at(key)}: ${value.length} characters, longer than any Graph id (at most ${MAX_ID_LENGTH}); stored as null`,
    );
    return null;
  }

  boolean(key: FieldKey<T>): boolean | null {
    const value = this.get(key);
    return typeof value === "boolean" || value === null ? value : this.wrong(key, "a boolean");
  }

  /** A 32-bit integer (Graph's Int32; a Postgres `integer`). */
  integer(key: FieldKey<T>): number | null {
    const value = this.get(key);
    if (value === null) return null;
    const ok =
      typeof value === "number" && Number.isInteger(value) && Math.abs(value) <= 2 ** 31 - 1;
    return ok ? value : this.wrong(key, "a 32-bit integer");
  }

  object(key: FieldKey<T>): JsonObject | null {
    const value = this.get(key);
    return isJsonObject(value) || value === null ? value : this.wrong(key, "an object");
  }

  /** The timestamp to store: as sent, or null for the "never" sentinel. */
  timestamp(key: FieldKey<T>): Timestamp | null {
    return this.timestampAsSent(key)?.value ?? null;
  }

  /** A valid timestamp as Graph sent it (the sentinel included) plus what a row stores. */
  timestampAsSent(key: FieldKey<T>): { sent: string; value: Timestamp | null } | null {
    const value = this.get(key);
    if (value === null) return null;
    if (typeof value === "string") {
      const parsed = parseGraphTimestamp(value);
      if (parsed.ok) return { sent: parsed.sent, value: parsed.value };
    }
    // Timestamps are not personal data, so the bad value is worth showing.
    return this.wrong(key, "a timestamp", { showString: true });
  }

  /** An array of strings; missing or null is []; other items are dropped with a warning. */
  strings(key: FieldKey<T>): string[] {
    const value = this.get(key);
    if (value === null) return [];
    if (!Array.isArray(value)) {
      this.warn(key, "an array of strings", "stored as []");
      return [];
    }
    const strings = value.filter((item): item is string => typeof item === "string");
    if (strings.length < value.length) {
      this.warnings.push(`${this.at(key)}: items that are not strings dropped`);
    }
    return strings;
  }

  /** `@odata.type` without the `#microsoft.graph.` prefix. */
  odataType(): string | null {
    const value = this.get("@odata.type");
    if (value === null) return null;
    return typeof value === "string"
      ? stripODataType(value)
      : this.wrong("@odata.type", "a string");
  }

  private get(key: string): Json {
    return Object.hasOwn(this.source, key) ? (this.source[key] ?? null) : null;
  }

  private wrong(key: string, expected: string, how: { showString?: boolean } = {}): null {
    this.warn(key, expected, "stored as null", how.showString);
    return null;
  }

  private warn(key: string, expected: string, outcome: string, showString = false): void {
    const got = describeJson(this.get(key), showString);
    this.warnings.push(`${this.at(key)}: expected ${expected}, got ${got}; ${outcome}`);
  }

  private at(key: string): string {
    return this.path === "" ? key : `${this.path}.${key}`;
  }
}

export type FieldKey<T> = Extract<keyof T, string>;

export function isJsonObject(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * `a number (42)`, `an array`, `a string`: short, for warnings and reasons. String
 * values are shown only on request: they may be message text or an email address.
 */
export function describeJson(value: Json | undefined, showString = false): string {
  if (value === undefined || value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string" && !showString) return "a string";
  const shown = JSON.stringify(value);
  const short = shown.length > 40 ? `${shown.slice(0, 37)}...` : shown;
  return `a ${typeof value} (${short})`;
}

/** The value under an own key of a sanitized object (never an inherited one). */
export function ownValue(source: JsonObject, key: string): Json | undefined {
  return Object.hasOwn(source, key) ? source[key] : undefined;
}
