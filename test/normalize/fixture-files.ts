import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The examples of Graph's docs, committed with the tests (test/fixtures/graph). */
export const FIXTURE_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../fixtures/graph",
);

export function fixtureNames(): string[] {
  return readdirSync(FIXTURE_DIR)
    .filter((name) => name.endsWith(".json"))
    .sort();
}

export function readFixture(name: string): unknown {
  return JSON.parse(readFileSync(path.join(FIXTURE_DIR, name), "utf8"));
}

/** The `value` array of a list response. */
export function listItems(name: string): unknown[] {
  const page = readFixture(name) as { value?: unknown };
  if (!Array.isArray(page.value)) throw new Error(`${name} has no value array`);
  return page.value;
}

/** A JSON object to tweak in tests, deep-copied so fixtures stay pristine. */
export function fixtureObject(name: string): Record<string, unknown> {
  return structuredClone(readFixture(name)) as Record<string, unknown>;
}
