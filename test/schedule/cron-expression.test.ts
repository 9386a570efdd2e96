import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.ts";
import { parseCronExpression, type CronSchedule } from "../../src/schedule/cron-expression.ts";

function nextTicks(schedule: CronSchedule, fromIso: string, count: number): string[] {
  const ticks: string[] = [];
  let from = new Date(fromIso);
  for (let i = 0; i < count; i++) {
    const tick = schedule.next(from);
    if (tick === null) break;
    ticks.push(tick.toISOString());
    from = tick;
  }
  return ticks;
}

function previousTicks(schedule: CronSchedule, fromIso: string, count: number): string[] {
  const ticks: string[] = [];
  let from = new Date(fromIso);
  for (let i = 0; i < count; i++) {
    const tick = schedule.previous(from);
    if (tick === null) break;
    ticks.push(tick.toISOString());
    from = new Date(tick.getTime() - 1);
  }
  return ticks;
}

const utc = (expression: string): CronSchedule => parseCronExpression(expression, "UTC");

describe("cron expression: next and previous tick", () => {
  it("finds the next nightly tick later the same day, and the one after tomorrow", () => {
    expect(nextTicks(utc("0 2 * * *"), "2025-01-01T01:00:00Z", 2)).toEqual([
      "2025-01-01T02:00:00.000Z",
      "2025-01-02T02:00:00.000Z",
    ]);
  });

  it("treats next as strictly after and previous as at-or-before a tick", () => {
    const schedule = utc("0 2 * * *");
    const tick = new Date("2025-01-01T02:00:00Z");
    expect(schedule.next(tick)?.toISOString()).toBe("2025-01-02T02:00:00.000Z");
    expect(schedule.previous(tick)?.toISOString()).toBe("2025-01-01T02:00:00.000Z");
    expect(schedule.previous(new Date(tick.getTime() - 1))?.toISOString()).toBe(
      "2024-12-31T02:00:00.000Z",
    );
  });

  it("ignores milliseconds: a tick is a whole second", () => {
    const schedule = utc("* * * * * *");
    expect(schedule.next(new Date("2025-06-01T23:59:58.500Z"))?.toISOString()).toBe(
      "2025-06-01T23:59:59.000Z",
    );
    expect(schedule.previous(new Date("2025-06-01T23:59:58.500Z"))?.toISOString()).toBe(
      "2025-06-01T23:59:58.000Z",
    );
  });

  it("expands steps, ranges, lists and a seconds field", () => {
    expect(nextTicks(utc("*/20 * * * *"), "2025-01-01T00:00:00Z", 4)).toEqual([
      "2025-01-01T00:20:00.000Z",
      "2025-01-01T00:40:00.000Z",
      "2025-01-01T01:00:00.000Z",
      "2025-01-01T01:20:00.000Z",
    ]);
    expect(nextTicks(utc("5,10 1-9/4 * * *"), "2025-01-01T00:00:00Z", 6)).toEqual([
      "2025-01-01T01:05:00.000Z",
      "2025-01-01T01:10:00.000Z",
      "2025-01-01T05:05:00.000Z",
      "2025-01-01T05:10:00.000Z",
      "2025-01-01T09:05:00.000Z",
      "2025-01-01T09:10:00.000Z",
    ]);
    expect(nextTicks(utc("15,45 0 3 * * *"), "2025-01-01T03:00:00Z", 3)).toEqual([
      "2025-01-01T03:00:15.000Z",
      "2025-01-01T03:00:45.000Z",
      "2025-01-02T03:00:15.000Z",
    ]);
  });

  it("reads three-letter month and weekday names in any case, and 7 as Sunday", () => {
    // 2025-01-01 is a Wednesday.
    expect(nextTicks(utc("0 9 * * MON-fri"), "2025-01-02T10:00:00Z", 3)).toEqual([
      "2025-01-03T09:00:00.000Z",
      "2025-01-06T09:00:00.000Z",
      "2025-01-07T09:00:00.000Z",
    ]);
    expect(nextTicks(utc("0 0 1 feb,AUG *"), "2025-01-01T00:00:00Z", 2)).toEqual([
      "2025-02-01T00:00:00.000Z",
      "2025-08-01T00:00:00.000Z",
    ]);
    expect(utc("0 0 * * 7").next(new Date("2025-01-01T00:00:00Z"))).toEqual(
      utc("0 0 * * sun").next(new Date("2025-01-01T00:00:00Z")),
    );
    // crontab(5): "Use the first three letters of the particular day or month".
    expect(() => utc("0 0 1 August *")).toThrow(/"August" is neither a number nor a month name/);
    expect(() => utc("0 9 * * Monday")).toThrow(ConfigError);
  });

  it("expands the @daily, @hourly, @weekly, @monthly and @yearly shorthands", () => {
    const from = "2025-01-01T00:30:00Z";
    expect(nextTicks(utc("@daily"), from, 1)).toEqual(["2025-01-02T00:00:00.000Z"]);
    expect(nextTicks(utc("@hourly"), from, 1)).toEqual(["2025-01-01T01:00:00.000Z"]);
    expect(nextTicks(utc("@weekly"), from, 1)).toEqual(["2025-01-05T00:00:00.000Z"]);
    expect(nextTicks(utc("@monthly"), from, 1)).toEqual(["2025-02-01T00:00:00.000Z"]);
    expect(nextTicks(utc("@yearly"), from, 1)).toEqual(["2026-01-01T00:00:00.000Z"]);
  });

  it("fires on either day field when both are restricted, as crontab(5) says", () => {
    // The 13th of each month, and every Friday (2025-06-06, -13, -20, -27 are Fridays).
    expect(nextTicks(utc("0 0 13 * fri"), "2025-06-01T00:00:00Z", 6)).toEqual([
      "2025-06-06T00:00:00.000Z",
      "2025-06-13T00:00:00.000Z",
      "2025-06-20T00:00:00.000Z",
      "2025-06-27T00:00:00.000Z",
      "2025-07-04T00:00:00.000Z",
      "2025-07-11T00:00:00.000Z",
    ]);
    // With a star in one day field, the other alone decides.
    expect(nextTicks(utc("0 0 */2 * fri"), "2025-06-01T00:00:00Z", 2)).toEqual([
      "2025-06-13T00:00:00.000Z",
      "2025-06-27T00:00:00.000Z",
    ]);
  });

  it("skips months without the day: the 31st, and Feb 29 outside leap years", () => {
    expect(nextTicks(utc("0 0 31 * *"), "2025-04-01T00:00:00Z", 3)).toEqual([
      "2025-05-31T00:00:00.000Z",
      "2025-07-31T00:00:00.000Z",
      "2025-08-31T00:00:00.000Z",
    ]);
    expect(previousTicks(utc("0 0 31 * *"), "2025-03-30T00:00:00Z", 2)).toEqual([
      "2025-01-31T00:00:00.000Z",
      "2024-12-31T00:00:00.000Z",
    ]);
    expect(nextTicks(utc("0 12 29 2 *"), "2025-01-01T00:00:00Z", 2)).toEqual([
      "2028-02-29T12:00:00.000Z",
      "2032-02-29T12:00:00.000Z",
    ]);
    // 2100 is not a leap year: eight years between two Feb 29ths.
    expect(utc("0 0 29 2 *").next(new Date("2096-03-01T00:00:00Z"))?.toISOString()).toBe(
      "2104-02-29T00:00:00.000Z",
    );
    expect(utc("0 0 29 2 *").previous(new Date("2104-02-28T00:00:00Z"))?.toISOString()).toBe(
      "2096-02-29T00:00:00.000Z",
    );
  });

  it("rolls over the end of the year", () => {
    expect(nextTicks(utc("59 23 31 12 *"), "2025-12-31T23:59:30Z", 1)).toEqual([
      "2026-12-31T23:59:00.000Z",
    ]);
    expect(nextTicks(utc("0 0 1 1 *"), "2025-12-31T23:59:59.999Z", 1)).toEqual([
      "2026-01-01T00:00:00.000Z",
    ]);
  });

  it("returns null from next and previous for an expression that never fires", () => {
    const never = utc("0 0 30 2 *");
    expect(never.next(new Date("2025-01-01T00:00:00Z"))).toBeNull();
    expect(never.previous(new Date("2025-01-01T00:00:00Z"))).toBeNull();
  });
});

describe("cron expression: time zones and daylight saving", () => {
  it("reads the fields on the zone's wall clock, winter and summer", () => {
    const berlin = parseCronExpression("0 2 * * *", "Europe/Berlin");
    expect(nextTicks(berlin, "2025-01-15T00:00:00Z", 1)).toEqual(["2025-01-15T01:00:00.000Z"]);
    expect(nextTicks(berlin, "2025-07-14T23:00:00Z", 1)).toEqual(["2025-07-15T00:00:00.000Z"]);
    const tokyo = parseCronExpression("0 9 * * *", "Asia/Tokyo");
    expect(nextTicks(tokyo, "2025-07-15T00:00:00Z", 1)).toEqual(["2025-07-16T00:00:00.000Z"]);
  });

  it("uses the zone's calendar day for the day fields", () => {
    // 2025-01-03 23:30 UTC is already Saturday 2025-01-04 in Berlin.
    const berlin = parseCronExpression("30 0 * * sat", "Europe/Berlin");
    expect(berlin.previous(new Date("2025-01-04T00:00:00Z"))?.toISOString()).toBe(
      "2025-01-03T23:30:00.000Z",
    );
  });

  it("runs a nightly time that spring-forward skips right after the gap (Berlin 2025-03-30)", () => {
    const berlin = parseCronExpression("30 2 * * *", "Europe/Berlin");
    // 02:30 CET the day before, 03:00 CEST (the end of the gap) on the day, 02:30 CEST after.
    expect(nextTicks(berlin, "2025-03-29T00:00:00Z", 3)).toEqual([
      "2025-03-29T01:30:00.000Z",
      "2025-03-30T01:00:00.000Z",
      "2025-03-31T00:30:00.000Z",
    ]);
    expect(previousTicks(berlin, "2025-03-31T12:00:00Z", 3)).toEqual([
      "2025-03-31T00:30:00.000Z",
      "2025-03-30T01:00:00.000Z",
      "2025-03-29T01:30:00.000Z",
    ]);
  });

  it("runs a nightly time in the repeated hour once, at its first occurrence (Berlin 2025-10-26)", () => {
    const berlin = parseCronExpression("30 2 * * *", "Europe/Berlin");
    // 02:30 CEST = 00:30 UTC; the second 02:30 (CET, 01:30 UTC) does not fire.
    expect(nextTicks(berlin, "2025-10-25T12:00:00Z", 2)).toEqual([
      "2025-10-26T00:30:00.000Z",
      "2025-10-27T01:30:00.000Z",
    ]);
    expect(previousTicks(berlin, "2025-10-26T23:00:00Z", 2)).toEqual([
      "2025-10-26T00:30:00.000Z",
      "2025-10-25T00:30:00.000Z",
    ]);
  });

  it("keeps an hourly schedule hourly in real time across fall-back (both 02:00s fire)", () => {
    const berlin = parseCronExpression("0 * * * *", "Europe/Berlin");
    const expected = [
      "2025-10-26T00:00:00.000Z", // 02:00 CEST
      "2025-10-26T01:00:00.000Z", // 02:00 CET
      "2025-10-26T02:00:00.000Z", // 03:00 CET
    ];
    expect(nextTicks(berlin, "2025-10-25T23:30:00Z", 3)).toEqual(expected);
    expect(previousTicks(berlin, "2025-10-26T02:00:00Z", 3)).toEqual([...expected].reverse());
  });

  it("treats a list of fixed times as fixed, as Vixie cron does: once in the repeated hour", () => {
    const berlin = parseCronExpression("30 2,14 * * *", "Europe/Berlin");
    expect(nextTicks(berlin, "2025-10-25T23:00:00Z", 3)).toEqual([
      "2025-10-26T00:30:00.000Z", // 02:30 CEST; 02:30 CET (01:30 UTC) does not fire
      "2025-10-26T13:30:00.000Z",
      "2025-10-27T01:30:00.000Z",
    ]);
  });

  it("merges the skipped half-hours into the end of the gap (New York 2025-03-09)", () => {
    const newYork = parseCronExpression("*/30 * * * *", "America/New_York");
    // 01:30 EST, then 02:00 and 02:30 (skipped) and 03:00 EDT are one tick at 07:00 UTC.
    expect(nextTicks(newYork, "2025-03-09T06:10:00Z", 3)).toEqual([
      "2025-03-09T06:30:00.000Z",
      "2025-03-09T07:00:00.000Z",
      "2025-03-09T07:30:00.000Z",
    ]);
  });

  it("fires a fixed time in New York's repeated hour once (2025-11-02)", () => {
    const newYork = parseCronExpression("30 1 * * *", "America/New_York");
    expect(nextTicks(newYork, "2025-11-01T12:00:00Z", 2)).toEqual([
      "2025-11-02T05:30:00.000Z", // 01:30 EDT; 01:30 EST (06:30 UTC) does not fire
      "2025-11-03T06:30:00.000Z",
    ]);
  });

  it("handles a zone whose transition skips midnight (Sao Paulo 2018-11-04, 00:00 -> 01:00)", () => {
    const saoPaulo = parseCronExpression("0 0 * * *", "America/Sao_Paulo");
    expect(nextTicks(saoPaulo, "2018-11-03T12:00:00Z", 2)).toEqual([
      "2018-11-04T03:00:00.000Z", // 01:00 -02, the end of the gap
      "2018-11-05T02:00:00.000Z",
    ]);
  });

  it("agrees between next and previous at any instant and zone (property)", () => {
    const expressions = ["0 2 * * *", "30 2 * * *", "*/15 * * * *", "0 * * * *", "0 0 31 * *"];
    const zones = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"];
    const schedules = expressions.flatMap((e) => zones.map((z) => parseCronExpression(e, z)));
    fc.assert(
      fc.property(
        fc.constantFrom(...schedules),
        fc.date({
          min: new Date("2020-01-01T00:00:00Z"),
          max: new Date("2030-01-01T00:00:00Z"),
          noInvalidDate: true,
        }),
        (schedule, at) => {
          const next = schedule.next(at);
          const previous = schedule.previous(at);
          expect(next).not.toBeNull();
          expect(previous).not.toBeNull();
          if (!next || !previous) return;
          expect(next.getTime()).toBeGreaterThan(at.getTime());
          expect(previous.getTime()).toBeLessThanOrEqual(at.getTime());
          expect(schedule.next(previous)).toEqual(next);
          expect(schedule.previous(next)).toEqual(next);
          expect(schedule.previous(new Date(next.getTime() - 1))).toEqual(previous);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("matches a brute-force minute scan in UTC (property)", () => {
    const expressions = ["0 2 * * *", "*/7 3-5 * * *", "0 0 13 * fri", "15 10 1,15 * *"];
    fc.assert(
      fc.property(
        fc.constantFrom(...expressions),
        fc.date({
          min: new Date("2024-01-01T00:00:00Z"),
          max: new Date("2026-01-01T00:00:00Z"),
          noInvalidDate: true,
        }),
        (expression, at) => {
          const expected = bruteForceNext(expression, at);
          expect(utc(expression).next(at)?.toISOString()).toBe(expected.toISOString());
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("cron expression: agrees with a scan of the zone's wall clock away from DST", () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ["0 2 * * *", "Europe/Berlin"],
    ["*/10 9-17 * * mon-fri", "America/New_York"],
    ["0 0 1,15 * *", "Asia/Kolkata"],
    ["30 4 * feb-apr sun", "UTC"],
    ["15,45 */3 * * *", "Australia/Sydney"],
    ["0 12 31 * *", "UTC"],
  ];

  for (const [expression, zone] of cases) {
    it(`"${expression}" in ${zone}`, () => {
      // Mid-January and mid-July: no zone above changes offset in the next days.
      for (const at of ["2025-01-14T10:17:00Z", "2025-07-14T10:17:00Z"]) {
        const schedule = parseCronExpression(expression, zone);
        const scanned: string[] = [];
        let from = new Date(at);
        for (let i = 0; i < 5; i++) {
          from = bruteForceNext(expression, from, zone);
          scanned.push(from.toISOString());
        }
        expect(nextTicks(schedule, at, 5)).toEqual(scanned);
      }
    });
  }
});

describe("cron expression: invalid input is a ConfigError that shows a valid one", () => {
  const invalid = [
    ["0 2 * *", /4 fields, not 5 or 6/],
    ["0 2 * * * * *", /7 fields/],
    ["60 2 * * *", /minute field "60": 60 is outside 0-59/],
    ["0 24 * * *", /hour field/],
    ["0 2 0 * *", /day-of-month field "0": 0 is outside 1-31/],
    ["0 2 * 13 *", /month field/],
    ["0 2 * * 8", /day-of-week field/],
    ["0 2 * * funday", /"funday" is neither a number nor a day-of-week name/],
    ["0 5-2 * * *", /From value is larger than to value: '5-2'/],
    ["*/0 2 * * *", /illegal stepping: 0/],
    ["5/15 2 * * *", /Use wildcard \(\*\/step\) or range \(min-max\/step\)/],
    ["0 0 1W * *", /"1W" is neither a number nor/],
    ["0 0 * * 5#2", /"5#2" is neither a number nor a day-of-week name/],
    ["0 0 1 * +mon", /"\+mon" is neither a number nor a day-of-week name/],
    ["0 ? * * *", /"\?" is only allowed in the day fields/],
    ["0 2 L * *", /neither a number nor/],
    ["@reboot", /1 fields/],
    ["", /0 fields/],
  ] as const;

  for (const [expression, problem] of invalid) {
    it(`rejects "${expression}"`, () => {
      let caught: unknown;
      try {
        parseCronExpression(expression, "UTC");
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      expect((caught as Error).message).toMatch(problem);
      expect((caught as Error).message).toContain('"0 2 * * *"');
    });
  }

  it("rejects an unknown time zone, naming valid ones", () => {
    expect(() => parseCronExpression("0 2 * * *", "Mars/Olympus_Mons")).toThrow(ConfigError);
    expect(() => parseCronExpression("0 2 * * *", "Mars/Olympus_Mons")).toThrow(
      /unknown time zone "Mars\/Olympus_Mons".*"Europe\/Berlin"/,
    );
  });

  it("accepts ? as a star in the day fields", () => {
    expect(nextTicks(utc("0 2 ? * ?"), "2025-01-01T00:00:00Z", 1)).toEqual([
      "2025-01-01T02:00:00.000Z",
    ]);
  });
});

/**
 * An independent matcher: walk minute by minute in real time and read each minute on the
 * zone's wall clock until every field matches (exact wherever the zone's offset is steady).
 */
function bruteForceNext(expression: string, after: Date, zone = "UTC"): Date {
  const [minute, hour, dom, month, dow] = expression.split(" ") as [
    string,
    string,
    string,
    string,
    string,
  ];
  const days = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
  const months = [
    "",
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
  ];
  const value = (text: string): number =>
    days.includes(text)
      ? days.indexOf(text)
      : months.includes(text)
        ? months.indexOf(text)
        : Number(text);
  const matches = (field: string, v: number): boolean =>
    field.split(",").some((item) => {
      const [range = "", stepText] = item.split("/");
      const step = stepText ? Number(stepText) : 1;
      const [lo, hi] =
        range === "*"
          ? [0, 59]
          : range.includes("-")
            ? (range.split("-").map(value) as [number, number])
            : [value(range), value(range)];
      return v >= lo && v <= hi && (v - lo) % step === 0;
    });
  const wall = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    weekday: "short",
  });
  let t = Math.floor(after.getTime() / 60_000) * 60_000 + 60_000;
  for (;;) {
    const parts = Object.fromEntries(wall.formatToParts(t).map((p) => [p.type, p.value]));
    const [d, weekday] = [Number(parts.day), days.indexOf((parts.weekday ?? "").toLowerCase())];
    const domOk = matches(dom, d);
    const dowOk = matches(dow, weekday);
    const dayOk = dom !== "*" && dow !== "*" ? domOk || dowOk : domOk && dowOk;
    if (
      matches(minute, Number(parts.minute)) &&
      matches(hour, Number(parts.hour)) &&
      matches(month, Number(parts.month)) &&
      dayOk
    ) {
      return new Date(t);
    }
    t += 60_000;
  }
}
