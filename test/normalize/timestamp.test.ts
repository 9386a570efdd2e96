import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compareGraphTimestamps,
  graphTimestampTicks,
  isGraphTimestamp,
  isNeverTimestamp,
  latestGraphTimestamp,
  parseGraphTimestamp,
} from "../../src/normalize/index.ts";

describe("parseGraphTimestamp", () => {
  it.each([
    "2021-05-27T21:23:41Z",
    "2021-05-27T21:23:41.9Z",
    "2020-12-04T23:10:28.51Z",
    "2021-04-06T19:49:52.431Z",
    "2021-05-27T21:23:41.9085Z",
    "2021-05-27T21:23:41.90854Z",
    "2021-05-27T21:23:41.908545Z",
    "2021-05-27T21:23:41.9085453Z",
    "2021-05-27T21:23:41.9085453+02:00",
    "2021-05-27T21:23:41-05:30",
    "2020-02-29T00:00:00Z",
    "2000-02-29T23:59:59Z",
  ])("accepts %s and keeps it exactly as sent", (value) => {
    expect(parseGraphTimestamp(value)).toMatchObject({ ok: true, sent: value, value });
  });

  it.each([
    ["8 fractional digits", "2021-05-27T21:23:41.90854531Z"],
    ["no zone", "2021-05-27T21:23:41"],
    ["empty fraction", "2021-05-27T21:23:41.Z"],
    ["lowercase z", "2021-05-27T21:23:41z"],
    ["space separator", "2021-05-27 21:23:41Z"],
    ["date only", "2021-05-27"],
    ["not a leap year", "2021-02-29T00:00:00Z"],
    ["1900 is not a leap year", "1900-02-29T00:00:00Z"],
    ["month 13", "2021-13-01T00:00:00Z"],
    ["day 31 in April", "2021-04-31T00:00:00Z"],
    ["hour 24", "2021-05-27T24:00:00Z"],
    ["second 60", "2021-12-31T23:59:60Z"],
    ["year 0", "0000-01-01T00:00:00Z"],
    ["offset beyond 14 h", "2021-05-27T21:23:41+15:00"],
    ["words", "yesterday"],
    ["the doc placeholder", "string (timestamp)"],
    ["trailing text", "2021-05-27T21:23:41Zjunk"],
    ["empty", ""],
  ])("rejects %s", (_label, value) => {
    expect(parseGraphTimestamp(value)).toEqual({ ok: false });
    expect(isGraphTimestamp(value)).toBe(false);
    expect(graphTimestampTicks(value)).toBeNull();
  });

  it.each([
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00.0Z",
    "0001-01-01T00:00:00.0000000Z",
    "0001-01-01T00:00:00+00:00",
    "0001-01-01T00:00:00.000-05:00",
  ])("maps the never sentinel %s to null", (value) => {
    expect(parseGraphTimestamp(value)).toMatchObject({ ok: true, sent: value, value: null });
    expect(isNeverTimestamp(value)).toBe(true);
  });

  it.each(["0001-01-01T00:00:00.0000001Z", "0001-01-01T00:00:01Z", "0001-01-02T00:00:00Z"])(
    "keeps %s, which is not the sentinel",
    (value) => {
      expect(parseGraphTimestamp(value)).toMatchObject({ ok: true, value });
      expect(isNeverTimestamp(value)).toBe(false);
    },
  );

  it("keeps 1970-01-01T00:00:00Z as a real value", () => {
    expect(parseGraphTimestamp("1970-01-01T00:00:00Z")).toMatchObject({
      ok: true,
      value: "1970-01-01T00:00:00Z",
    });
    expect(isNeverTimestamp("1970-01-01T00:00:00Z")).toBe(false);
  });
});

describe("graphTimestampTicks", () => {
  it("counts .NET ticks (100 ns since 0001-01-01Z)", () => {
    expect(graphTimestampTicks("0001-01-01T00:00:00Z")).toBe(0n);
    expect(graphTimestampTicks("0001-01-01T00:00:00.0000001Z")).toBe(1n);
    // DateTime.UnixEpoch.Ticks in .NET.
    expect(graphTimestampTicks("1970-01-01T00:00:00Z")).toBe(621_355_968_000_000_000n);
    expect(graphTimestampTicks("1970-01-01T00:00:00.9085453Z")).toBe(621_355_968_009_085_453n);
    expect(graphTimestampTicks("1970-01-01T01:00:00+01:00")).toBe(621_355_968_000_000_000n);
  });

  it("agrees with Date at millisecond precision for any instant", () => {
    const unixEpochTicks = 621_355_968_000_000_000n;
    fc.assert(
      fc.property(
        fc.date({
          min: new Date("0001-01-01T00:00:00Z"),
          max: new Date("9999-12-31T23:59:59Z"),
          noInvalidDate: true,
        }),
        (date) => {
          const iso = date.toISOString();
          expect(graphTimestampTicks(iso)).toBe(unixEpochTicks + BigInt(date.getTime()) * 10_000n);
        },
      ),
    );
  });
});

describe("compareGraphTimestamps", () => {
  it.each([
    ["2024-05-01T10:00:00.1234567Z", "2024-05-01T10:00:00.1234566Z", 1],
    ["2024-05-01T10:00:00.9Z", "2024-05-01T10:00:00.95Z", -1],
    ["2024-05-01T10:00:00.2Z", "2024-05-01T10:00:00.1999999Z", 1],
    ["2024-05-01T10:00:00Z", "2024-05-01T10:00:00.0000000Z", 0],
    ["2024-05-01T10:00:00.50Z", "2024-05-01T10:00:00.5Z", 0],
    ["2024-05-01T12:00:00+02:00", "2024-05-01T10:00:00Z", 0],
    // Postgres' own text of a timestamptz (to_json), as a stored watermark reads back.
    ["2024-05-01T10:00:00.000001+00:00", "2024-05-01T10:00:00Z", 1],
    ["0001-01-01T00:00:00Z", "1970-01-01T00:00:00Z", -1],
  ])("orders %s against %s as %i", (a, b, expected) => {
    expect(compareGraphTimestamps(a, b)).toBe(expected);
    expect(compareGraphTimestamps(b, a)).toBe(-expected || 0);
  });

  it("agrees with Date for millisecond timestamps", () => {
    const date = fc.date({
      min: new Date("1970-01-01T00:00:00Z"),
      max: new Date("2100-01-01T00:00:00Z"),
      noInvalidDate: true,
    });
    fc.assert(
      fc.property(date, date, (a, b) => {
        expect(compareGraphTimestamps(a.toISOString(), b.toISOString())).toBe(
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
          expect(compareGraphTimestamps(text(x), text(y))).toBe(Math.sign(x - y));
        },
      ),
    );
  });

  it("orders digits beyond the millisecond that Date would lose", () => {
    const a = "2021-05-27T21:23:41.9085453Z";
    const b = "2021-05-27T21:23:41.9085454Z";
    expect(new Date(a).getTime()).toBe(new Date(b).getTime());
    expect(compareGraphTimestamps(a, b)).toBe(-1);
    expect(compareGraphTimestamps(b, a)).toBe(1);
    expect(compareGraphTimestamps(a, a)).toBe(0);
  });

  it("treats different spellings of one instant as equal", () => {
    expect(compareGraphTimestamps("2020-12-04T23:10:28.51Z", "2020-12-04T23:10:28.5100000Z")).toBe(
      0,
    );
    expect(compareGraphTimestamps("2021-01-01T01:00:00+01:00", "2021-01-01T00:00:00Z")).toBe(0);
  });

  it("orders across offsets by instant, not by text", () => {
    // Text order says the first is later; the instant is earlier.
    expect(compareGraphTimestamps("2021-01-01T00:30:00+01:00", "2020-12-31T23:45:00Z")).toBe(-1);
  });

  it("throws a RangeError naming a value that is not a timestamp", () => {
    expect(() => compareGraphTimestamps("yesterday", "2021-01-01T00:00:00Z")).toThrow(
      new RangeError('not a Graph timestamp: "yesterday"'),
    );
  });

  it("is antisymmetric and agrees with tick order", () => {
    const stamp = fc
      .tuple(fc.integer({ min: 0, max: 2 ** 32 }), fc.integer({ min: 0, max: 9_999_999 }))
      .map(([seconds, fraction]) => {
        const whole = new Date(Date.UTC(2000, 0, 1) + seconds * 1000).toISOString().slice(0, 19);
        return `${whole}.${String(fraction).padStart(7, "0")}Z`;
      });
    fc.assert(
      fc.property(stamp, stamp, (a, b) => {
        const ta = graphTimestampTicks(a) ?? -1n;
        const tb = graphTimestampTicks(b) ?? -1n;
        expect(compareGraphTimestamps(a, b)).toBe(ta < tb ? -1 : ta > tb ? 1 : 0);
        expect(compareGraphTimestamps(b, a)).toBe(-compareGraphTimestamps(a, b) || 0);
      }),
    );
  });
});

describe("latestGraphTimestamp", () => {
  it("returns the latest instant as sent, skipping nulls and non-timestamps", () => {
    expect(
      latestGraphTimestamp([
        null,
        "2021-05-27T21:23:41.9085453Z",
        "garbage",
        "2021-05-27T21:23:41.9085454Z",
        "2021-05-27T22:23:41.9085453+02:00",
      ]),
    ).toBe("2021-05-27T21:23:41.9085454Z");
  });

  it("returns null when there is nothing to compare", () => {
    expect(latestGraphTimestamp([])).toBeNull();
    expect(latestGraphTimestamp([null, "nope"])).toBeNull();
  });
});
