import { ConfigError } from "../errors.ts";

export const CRON_HELP =
  'A cron expression has 5 fields, "minute hour day-of-month month day-of-week" ' +
  '(e.g. "0 2 * * *" for 02:00 every day, "30 1 * * mon-fri" for 01:30 on weekdays), ' +
  "or 6 with a leading seconds field; fields take numbers, three-letter names (jan, mon), " +
  "ranges (1-5), steps (*/15, 0-30/10) and lists (1,15); @daily, @hourly, @weekly, " +
  "@monthly and @yearly are shorthands.";

const NICKNAMES = new Set([
  "@yearly",
  "@annually",
  "@monthly",
  "@weekly",
  "@daily",
  "@midnight",
  "@hourly",
]);
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Quartz's `?` ("no specific value"), read as `*`; it means something only in the day fields. */
  readonly questionMark?: boolean;
}

const SECOND: FieldSpec = { name: "second", min: 0, max: 59 };
const FIVE_FIELDS: readonly FieldSpec[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31, questionMark: true },
  { name: "month", min: 1, max: 12, names: MONTHS },
  { name: "day-of-week", min: 0, max: 7, names: DAYS, questionMark: true },
];

/** What croner gets for an expression cron accepts. */
export interface CheckedCron {
  /** The fields joined by single spaces, or a nickname in lower case. */
  readonly pattern: string;
  /**
   * Whether a day must match both day fields. Vixie cron ORs them unless either field's text
   * starts with `*` (entry.c sets DOM_STAR/DOW_STAR on the first character), so `*\/2` counts
   * as a star there, while croner reads only a bare `*` as one.
   */
  readonly daysAnded: boolean;
}

/**
 * Admits what crontab(5) admits (plus a seconds field and `?` in the day fields) and says
 * what is wrong otherwise; croner then parses and evaluates. Its extensions (`L`, `W`, `#`,
 * and `+`, which would turn the day fields' OR into AND) are refused, so an expression means
 * here what it means to cron.
 */
export function checkCronSyntax(expression: string): CheckedCron {
  const trimmed = expression.trim();
  if (NICKNAMES.has(trimmed.toLowerCase())) {
    // Each nickname leaves at least one day field `*`: both readings agree.
    return { pattern: trimmed.toLowerCase(), daysAnded: false };
  }
  const parts = trimmed.split(/\s+/).filter((p) => p !== "");
  if (parts.length !== 5 && parts.length !== 6) {
    throw invalidCron(expression, `it has ${parts.length} fields, not 5 or 6`);
  }
  const specs = parts.length === 6 ? [SECOND, ...FIVE_FIELDS] : FIVE_FIELDS;
  parts.forEach((source, i) => {
    const problem = fieldProblem(specs[i] ?? SECOND, source);
    if (problem)
      throw invalidCron(expression, `${specs[i]?.name ?? ""} field "${source}": ${problem}`);
  });
  const [dayOfMonth = "", , dayOfWeek = ""] = parts.slice(-3);
  const star = (field: string) => field.startsWith("*") || field === "?";
  return { pattern: parts.join(" "), daysAnded: star(dayOfMonth) || star(dayOfWeek) };
}

export function invalidCron(expression: string, problem: string): ConfigError {
  return new ConfigError(`invalid cron expression "${expression}": ${problem}. ${CRON_HELP}`);
}

function fieldProblem(spec: FieldSpec, source: string): string | undefined {
  for (const token of source.split(/[,/-]/)) {
    if (token === "*") continue;
    if (token === "?") {
      if (spec.questionMark && source === "?") continue;
      return '"?" is only allowed in the day fields, as the whole field';
    }
    if (/^\d+$/.test(token)) {
      const value = Number(token);
      if (value < spec.min || value > spec.max)
        return `${value} is outside ${spec.min}-${spec.max}`;
      continue;
    }
    if (spec.names?.includes(token.toLowerCase())) continue;
    return spec.names
      ? `"${token}" is neither a number nor a ${spec.name} name (${spec.names[0]}, ${spec.names[1]}, …)`
      : `"${token}" is neither a number nor "*"`;
  }
  return undefined;
}
