import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Chat message payloads shaped as Graph's documentation examples, committed in the repo. */
const MESSAGE_FIXTURES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../fixtures/graph/messages",
);

/** A fixture as a fresh object (deep-copied, so tests may tweak it). */
export function messageFixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(MESSAGE_FIXTURES, name), "utf8")) as Record<
    string,
    unknown
  >;
}

/** The `value` array of a list fixture. */
export function messagePage(name: string): Record<string, unknown>[] {
  const page = messageFixture(name);
  if (!Array.isArray(page["value"])) throw new Error(`${name} has no value array`);
  return page["value"] as Record<string, unknown>[];
}
