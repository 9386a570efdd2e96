// Compiles src/, migrations/ and bench/ to dist/ (same layout, .ts imports rewritten to
// .js), then stamps the build. Types are checked by `npm run typecheck`, not here, so a
// production install (`npm ci --omit=dev` runs this as `prepare`) builds in seconds.
import { execFileSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { builtStamp, ROOT } from "../bin/fresh-build.js";

if (!existsSync(path.join(ROOT, "src"))) {
  // An install before the sources are there (the Dockerfile's dependency layer): the
  // image builds after copying them.
  console.error("build: no src/ yet, nothing to compile");
  process.exit(0);
}
rmSync(path.join(ROOT, "dist"), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", path.join(ROOT, "tsconfig.build.json")], {
  stdio: "inherit",
});
writeFileSync(builtStamp(), `${new Date().toISOString()}\n`);
