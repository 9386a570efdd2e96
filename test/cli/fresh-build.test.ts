import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { builtStamp, freshBuild } from "../../bin/fresh-build.js";

describe("freshBuild: the binary runs dist/ only while no source is newer", () => {
  let root: string;
  const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));
  const file = (relative: string, seconds: number) => {
    const full = path.join(root, relative);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, "");
    utimesSync(full, at(seconds), at(seconds));
    return full;
  };
  const directory = (relative: string, seconds: number) =>
    utimesSync(path.join(root, relative), at(seconds), at(seconds));

  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), "tcs-fresh-build-"));
    file("src/cli.ts", 10);
    file("src/load/a.ts", 10);
    file("migrations/m1.ts", 10);
    file("bench/run.ts", 10);
    for (const dir of ["src/load", "src", "migrations", "bench"]) directory(dir, 10);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("is false with no build, true once built after the sources", () => {
    expect(freshBuild(root)).toBe(false);
    file("dist/BUILT", 20);
    expect(builtStamp(root)).toBe(path.join(root, "dist", "BUILT"));
    expect(freshBuild(root)).toBe(true);
  });

  it("is false after a source, a migration or a benchmark changes, even deep in a folder", () => {
    file("dist/BUILT", 20);
    for (const changed of ["src/load/a.ts", "migrations/m1.ts", "bench/run.ts"]) {
      file(changed, 30);
      expect(freshBuild(root), changed).toBe(false);
      file(changed, 10);
      expect(freshBuild(root), changed).toBe(true);
    }
  });

  it("is false after a source is deleted (its folder changed) and ignores bench scratch", () => {
    file("dist/BUILT", 20);
    file("bench/tmp/probe.ts", 30);
    file("bench/results/figures.json", 30);
    directory("bench", 10);
    expect(freshBuild(root)).toBe(true);
    rmSync(path.join(root, "src/load/a.ts"));
    directory("src/load", 30);
    expect(freshBuild(root)).toBe(false);
  });
});
