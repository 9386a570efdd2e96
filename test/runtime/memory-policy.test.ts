import { describe, expect, it } from "vitest";
import { applyMemoryPolicy } from "../../src/memory-policy.ts";

describe("applyMemoryPolicy", () => {
  it("leaves a growth factor chosen on the command line or in NODE_OPTIONS alone", () => {
    expect(applyMemoryPolicy(["--heap-growing-percent=50"], "")).toBe(false);
    expect(applyMemoryPolicy(["--heap_growing_percent=0"], "")).toBe(false);
    expect(applyMemoryPolicy([], "--max-old-space-size=512 --heap-growing-percent=35")).toBe(false);
  });

  it("sets its own otherwise, whatever other flags say", () => {
    expect(applyMemoryPolicy([], "")).toBe(true);
    expect(
      applyMemoryPolicy(["--max-old-space-size=512", "--heap-growing-percentage"], "--inspect"),
    ).toBe(true);
  });
});
