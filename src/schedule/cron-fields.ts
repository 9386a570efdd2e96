import { ConfigError } from "../errors.ts";

/** One field of a cron expression: the values it allows, as a lookup table and sorted. */
export interface CronField {
  readonly values: readonly number[];
  readonly allows: (value: number) => boolean;
  /**
   * The field was written as `*` (or `*`/step, or `?`). Decides how the two day fields combine:
   * as in Vixie cron, when neither is a star a day matches if EITHER matches.
   */
  readonly star: boolean;
}

export interface CronFields {
  readonly second: CronField;
  readonly minute: CronField;
  readonly hour: CronField;
  readonly dayOfMonth: CronField;
  readonly month: CronField;
  /** 0 = Sunday; 7 is accepted and stored as 0. */
  readonly dayOfWeek: CronField;
}

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  readonly allowsQuestionMark?: boolean;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const FULL_MONTHS = [
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const FULL_DAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

const SPECS = {
  second: { name: "second", min: 0, max: 59 },
  minute: { name: "minute", min: 0, max: 59 },
  hour: { name: "hour", min: 0, max: 23 },
  dayOfMonth: { name: "day-of-month", min: 1, max: 31, allowsQuestionMark: true },
  month: { name: "month", min: 1, max: 12, names: MONTHS },
  dayOfWeek: { name: "day-of-week", min: 0, max: 7, names: DAYS, allowsQuestionMark: true },
} satisfies Record<keyof CronFields, FieldSpec>;

const NICKNAMES: Readonly<Record<string, string>> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

export const CRON_HELP =
  'A cron expression has 5 fields, "minute hour day-of-month month day-of-week" ' +
  '(e.g. "0 2 * * *" for 02:00 every day, "30 1 * * mon-fri" for 01:30 on weekdays), ' +
  "or 6 with a leading seconds field; fields take numbers, names (jan, mon), " +
  "ranges (1-5), steps (*/15, 0-30/10) and lists (1,15); @daily, @hourly, @weekly, " +
  "@monthly and @yearly are shorthands.";

/** Parses a 5- or 6-field cron expression; throws a ConfigError that says what is wrong. */
export function parseCronFields(expression: string): CronFields {
  const trimmed = expression.trim();
  const text = NICKNAMES[trimmed.toLowerCase()] ?? trimmed;
  const parts = text.split(/\s+/).filter((p) => p !== "");
  if (parts.length !== 5 && parts.length !== 6) {
    throw invalid(expression, `it has ${parts.length} fields, not 5 or 6`);
  }
  const [second, minute, hour, dayOfMonth, month, dayOfWeek] =
    parts.length === 6 ? parts : ["0", ...parts];
  const field = (spec: FieldSpec, source: string | undefined): CronField => {
    try {
      return parseField(spec, source ?? "");
    } catch (error) {
      if (error instanceof FieldError) throw invalid(expression, error.message);
      throw error;
    }
  };
  return Object.freeze({
    second: field(SPECS.second, second),
    minute: field(SPECS.minute, minute),
    hour: field(SPECS.hour, hour),
    dayOfMonth: field(SPECS.dayOfMonth, dayOfMonth),
    month: field(SPECS.month, month),
    dayOfWeek: foldSunday(field(SPECS.dayOfWeek, dayOfWeek)),
  });
}

class FieldError extends Error {}

function invalid(expression: string, problem: string): ConfigError {
  return new ConfigError(`invalid cron expression "${expression}": ${problem}. ${CRON_HELP}`);
}

function parseField(spec: FieldSpec, source: string): CronField {
  const fail = (problem: string): never => {
    throw new FieldError(`${spec.name} field "${source}": ${problem}`);
  };
  if (source === "?" && !spec.allowsQuestionMark) fail('"?" is only allowed in the day fields');
  const text = source === "?" ? "*" : source;
  const values = new Set<number>();
  for (const item of text.split(",")) {
    const [rangeText = "", stepText, ...rest] = item.split("/");
    if (rest.length > 0) fail(`"${item}" has more than one "/"`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) {
        fail(`step "${stepText}" must be a whole number of at least 1`);
      }
      step = Number(stepText);
    }
    let from: number;
    let to: number;
    if (rangeText === "*") {
      [from, to] = [spec.min, spec.max];
    } else {
      const bounds = rangeText.split("-");
      if (bounds.length > 2 || bounds.some((b) => b === "")) fail(`"${rangeText}" is not a range`);
      from = parseValue(spec, bounds[0] ?? "", fail);
      to = bounds.length === 2 ? parseValue(spec, bounds[1] ?? "", fail) : from;
      if (bounds.length === 1 && stepText !== undefined) {
        fail(`a step needs a range or "*" before it (write "${from}-${spec.max}/${step}")`);
      }
      if (from > to) fail(`range "${rangeText}" runs backwards`);
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return makeField(values, spec.max, text.startsWith("*"));
}

function parseValue(spec: FieldSpec, text: string, fail: (problem: string) => never): number {
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    if (value < spec.min || value > spec.max) {
      fail(`${value} is outside ${spec.min}-${spec.max}`);
    }
    return value;
  }
  const lower = text.toLowerCase();
  const fullNames = spec.names === MONTHS ? FULL_MONTHS : FULL_DAYS;
  const index = spec.names ? Math.max(spec.names.indexOf(lower), fullNames.indexOf(lower)) : -1;
  if (index < 0) fail(`"${text}" is neither a number nor a ${spec.name} name`);
  return index + spec.min;
}

function makeField(values: ReadonlySet<number>, max: number, star: boolean): CronField {
  const table = new Uint8Array(max + 1);
  for (const v of values) table[v] = 1;
  return Object.freeze({
    values: Object.freeze([...values].sort((a, b) => a - b)),
    allows: (value: number) => table[value] === 1,
    star,
  });
}

/** Day-of-week 7 is Sunday, stored as 0 so matching needs one table lookup. */
function foldSunday(field: CronField): CronField {
  const values = new Set(field.values.map((v) => (v === 7 ? 0 : v)));
  return makeField(values, 6, field.star);
}
