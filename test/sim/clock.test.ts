import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SimClock, formatGraphTime, graphTimeToMs } from "../../src/sim/index.ts";

describe("the simulated clock", () => {
  it("stands still in manual mode (the default) until advanced", () => {
    let real = 0;
    const clock = new SimClock({}, () => real);
    expect(clock.now()).toBe("2024-06-03T09:00:00Z");
    real += 60_000;
    expect(clock.now()).toBe("2024-06-03T09:00:00Z");
    clock.advance(1500);
    expect(clock.now()).toBe("2024-06-03T09:00:01.5Z");
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });

  it("follows real time times `speed` in realtime mode, and advance still jumps ahead", () => {
    let real = 100;
    const clock = new SimClock(
      { mode: "realtime", speed: 60, start: "2024-01-01T00:00:00Z" },
      () => real,
    );
    real += 1000;
    expect(clock.now()).toBe("2024-01-01T00:01:00Z");
    clock.advance(60_000);
    expect(clock.now()).toBe("2024-01-01T00:02:00Z");
  });
});

describe("Graph timestamps", () => {
  it("format with 0 to 7 fractional digits, trailing zeros trimmed, and parse back to the millisecond", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        fc.integer({ min: 0, max: 7 }),
        fc.stringMatching(/^\d{4}$/),
        (ms, digits, sub) => {
          const text = formatGraphTime(ms, digits, sub);
          expect(text).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?Z$/);
          expect(text).not.toMatch(/\.\d*0Z$/);
          expect((/\.(\d+)Z$/.exec(text)?.[1] ?? "").length).toBeLessThanOrEqual(digits);
          expect(ms - graphTimeToMs(text)).toBeGreaterThanOrEqual(0);
          expect(ms - graphTimeToMs(text)).toBeLessThan(digits >= 3 ? 1 : 10 ** (3 - digits));
        },
      ),
    );
    expect(formatGraphTime(Date.parse("2021-05-27T21:23:41.908Z"), 7, "5453")).toBe(
      "2021-05-27T21:23:41.9085453Z",
    );
  });
});
