import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareTimestamps, parseTimestamp } from "../../src/load/graph-timestamp.ts";

describe("compareTimestamps", () => {
  it.each([
    ["2024-05-01T10:00:00.1234567Z", "2024-05-01T10:00:00.1234566Z", 1],
    ["2024-05-01T10:00:00.9Z", "2024-05-01T10:00:00.95Z", -1],
    ["2024-05-01T10:00:00.2Z", "2024-05-01T10:00:00.1999999Z", 1],
    ["2024-05-01T10:00:00Z", "2024-05-01T10:00:00.0000000Z", 0],
    ["2024-05-01T10:00:00.50Z", "2024-05-01T10:00:00.5Z", 0],
    ["2024-05-01T12:00:00+02:00", "2024-05-01T10:00:00Z", 0],
    ["2024-05-01T10:00:00.000001+00:00", "2024-05-01T10:00:00Z", 1],
    ["2024-05-01 10:00:00.5+00", "2024-05-01T10:00:00.4Z", 1],
    ["0001-01-01T00:00:00Z", "1970-01-01T00:00:00Z", -1],
  ])("orders %s against %s as %i", (a, b, expected) => {
    expect(compareTimestamps(a, b)).toBe(expected);
    expect(compareTimestamps(b, a)).toBe(-expected || 0);
  });

  it("agrees with Date for millisecond timestamps", () => {
    const date = fc.date({
      min: new Date("1970-01-01T00:00:00Z"),
      max: new Date("2100-01-01T00:00:00Z"),
      noInvalidDate: true,
    });
    fc.assert(
      fc.property(date, date, (a, b) => {
        expect(compareTimestamps(a.toISOString(), b.toISOString())).toBe(
          Math.sign(a.getTime() - b.getTime()),
        );
      }),
    );
  });

  it("orders 7-digit fractions within a second numerically, whatever their length", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9_999_999 }),
        fc.integer({ min: 0, max: 9_999_999 }),
        (x, y) => {
          const text = (n: number) =>
            `2024-05-01T10:00:00.${String(n).padStart(7, "0").replace(/0+$/, "") || "0"}Z`;
          expect(compareTimestamps(text(x), text(y))).toBe(Math.sign(x - y));
        },
      ),
    );
  });

  it("refuses text that is not a timestamp", () => {
    expect(() => parseTimestamp("yesterday")).toThrow('not an ISO 8601 timestamp: "yesterday"');
  });
});
