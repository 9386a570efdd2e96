// Whether the compiled build in dist/ may run: it exists and no source is newer than it.
// Shared by the binary and the benchmarks, which must run what users run.
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SOURCES = ["src", "migrations", "bench"];

/** Written by scripts/build.js once the compiler has emitted everything. */
export function builtStamp(root = ROOT) {
  return path.join(root, "dist", "BUILT");
}

export function freshBuild(root = ROOT) {
  let built;
  try {
    built = statSync(builtStamp(root)).mtimeMs;
  } catch {
    return false;
  }
  return SOURCES.every((dir) => newest(path.join(root, dir)) <= built);
}

/** The latest mtime in a tree; a directory's own counts (a file deleted or renamed in it). */
function newest(dir) {
  let latest;
  try {
    latest = statSync(dir).mtimeMs;
  } catch {
    return 0; // not there: nothing newer
  }
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "tmp" || entry.name === "results") continue; // bench scratch
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}
