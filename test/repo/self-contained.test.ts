/**
 * The repository is self-contained: a clone on any machine builds, tests and benches
 * from its own files, so no source refers to a path outside it. The rule lives in ./outside-paths.ts; this file proves it can fail and
 * applies it to the tree.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { outsideReferences } from "./outside-paths.ts";

const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
const SCANNED_FOLDERS = ["src", "test", "bench", "scripts", "bin"];
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;

function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules" && entry.name !== "results" && entry.name !== "tmp")
          walk(full);
      } else if (SOURCE.test(entry.name)) files.push(full);
    }
  };
  for (const folder of SCANNED_FOLDERS) walk(path.join(REPO_ROOT, folder));
  // Top-level config (vitest.config.ts, eslint.config.js) is read by the test run too.
  for (const entry of readdirSync(REPO_ROOT, { withFileTypes: true }))
    if (entry.isFile() && SOURCE.test(entry.name)) files.push(path.join(REPO_ROOT, entry.name));
  return files;
}

const IMPORTS = 'import path from "node:path";\nimport { fileURLToPath } from "node:url";\n';

// The outside folders the snippets name, spelled so that this file names none itself.
const SHARED = ["..", "shared"].join("/");
const WORKSPACE = ["", "work"].join("/");

/** Checks a snippet as if it were the file at `relative` inside the repository. */
const check = (relative: string, code: string) =>
  outsideReferences(path.join(REPO_ROOT, relative), IMPORTS + code, REPO_ROOT).map((r) => r.why);

describe("outside-path rule", () => {
  it("flags absolute paths of a user or a machine", () => {
    expect(
      check("test/a.test.ts", `const dir = "${WORKSPACE}/shared/fixtures/graph";`),
    ).toHaveLength(1);
    expect(check("src/a.ts", "const home = '/home/ann/.config/x';")).toHaveLength(1);
    expect(check("bench/a.ts", 'const mac = "/Users/ann/data.json";')).toHaveLength(1);
    expect(check("scripts/a.js", 'const win = "C:\\\\data\\\\x.json";')).toHaveLength(1);
    expect(check("src/a.ts", 'const u = "file:///root/x.json";')).toHaveLength(1);
  });

  it("allows Graph routes and the listed system paths", () => {
    expect(check("src/a.ts", 'const r = ["/v1.0/users", "/beta/chats", "/users/{id}"];')).toEqual(
      [],
    );
    expect(check("bench/a.ts", 'read("/proc/self/status"); open("/dev/null");')).toEqual([]);
    expect(check("src/a.ts", 'const p = "/proc/1/environ";')).toHaveLength(1);
  });

  it("flags relative literals that climb out of the repository from the file's folder", () => {
    expect(check("test/a/b.test.ts", 'import x from "../../src/x.ts";')).toEqual([]);
    expect(check("test/a/b.test.ts", 'import x from "../../../other/x.ts";')).toHaveLength(1);
    expect(check("bin/a.js", 'await import("../dist/src/cli.js");')).toEqual([]);
  });

  it("evaluates path.join/resolve and URL chains, through constants of the same file", () => {
    const viaConstant = [
      'const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");',
      `export const DIR = path.resolve(ROOT, "${SHARED}/fixtures/graph");`,
    ].join("\n");
    expect(check("test/normalize/f.ts", viaConstant)).toHaveLength(1);
    expect(
      check(
        "test/extract/support/s.ts",
        `const d = path.resolve(import.meta.dirname, "../../..", "${SHARED}/x");`,
      ),
    ).toHaveLength(1);
    expect(
      check("src/load/m.ts", 'const M = fileURLToPath(new URL("../../../x/", import.meta.url));'),
    ).toHaveLength(1);
    expect(
      check(
        "src/load/m.ts",
        'const M = fileURLToPath(new URL("../../migrations/", import.meta.url));',
      ),
    ).toEqual([]);
    expect(
      check("test/x/y.ts", 'const D = path.join(import.meta.dirname, "../fixtures/graph");'),
    ).toEqual([]);
    expect(
      check("test/x/y.ts", `const F = "${WORKSPACE}/x"; const g = \`\${F}/list.json\`;`).length,
    ).toBeGreaterThan(0);
  });

  it("leaves what it cannot know alone (temporary folders, the working folder)", () => {
    expect(check("test/a.ts", 'const d = path.join(os.tmpdir(), "tcs-");')).toEqual([]);
    expect(check("test/a.ts", 'const d = path.resolve(".data");')).toEqual([]);
  });
});

describe("the repository", () => {
  it("refers to no path outside itself in src, test, bench, scripts, bin or top-level config", () => {
    const files = sourceFiles();
    expect(files.length).toBeGreaterThan(50);
    const found = files.flatMap((file) =>
      outsideReferences(file, readFileSync(file, "utf8"), REPO_ROOT).map(
        (r) => `${r.file}:${r.line}: ${r.text} (${r.why})`,
      ),
    );
    expect(found).toEqual([]);
  });
});
