/**
 * A deployment's changes to the rate-limit table (GRAPH_RATE_LIMITS), validated and merged
 * over the defaults: budgets field by field, calls one by one. Graph changes its limits
 * over time; this lets a deployment follow without a release.
 */
import { z } from "zod";
import {
  RATE_LIMITED_CALLS,
  defaultRateLimits,
  type BudgetLimit,
  type RateLimitConfig,
  type RateLimitScope,
} from "./rate-limits.ts";

const perSecond = z
  .number({ error: "must be a number of requests per second" })
  .positive({ error: "must be above 0" });

export const rateLimitOverridesSchema = z.strictObject({
  headroom: z
    .number({ error: "must be a number from 0 up to (not including) 1" })
    .min(0, { error: "must be at least 0" })
    .lt(1, { error: "must be below 1" })
    .optional(),
  budgets: z
    .record(
      z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, { error: "a budget name is a plain word" }),
      z.strictObject({
        tenantPerSecond: perSecond.optional(),
        perUserPerSecond: perSecond.optional(),
        perChatPerSecond: perSecond.optional(),
      }),
    )
    .optional(),
  calls: z
    .partialRecord(z.enum(RATE_LIMITED_CALLS), z.string({ error: "must name a budget" }))
    .optional(),
});

export type RateLimitOverrides = z.infer<typeof rateLimitOverridesSchema>;

/**
 * Validates `input` and merges it over the defaults. Throws RangeError with one line per
 * problem, each naming the key and the value found there.
 */
export function resolveRateLimits(
  input: unknown,
  scale: number = defaultRateLimits.scale,
): RateLimitConfig {
  const parsed = rateLimitOverridesSchema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new RangeError(
      parsed.error.issues.map((issue) => describeIssue(issue, input)).join("; "),
    );
  }
  const overrides = parsed.data;
  const budgets: Record<string, BudgetLimit> = { ...defaultRateLimits.budgets };
  const problems: string[] = [];
  for (const [name, change] of Object.entries(overrides.budgets ?? {})) {
    const merged = { ...budgets[name], ...change };
    if (merged.tenantPerSecond === undefined) {
      problems.push(`budgets.${name}.tenantPerSecond: a new budget needs one`);
      continue;
    }
    budgets[name] = { ...merged, tenantPerSecond: merged.tenantPerSecond };
  }
  const calls: Record<RateLimitScope, string> = { ...defaultRateLimits.calls, ...overrides.calls };
  for (const call of RATE_LIMITED_CALLS) {
    if (budgets[calls[call]] === undefined) {
      problems.push(
        `calls.${call}: no budget named ${JSON.stringify(calls[call])} ` +
          `(budgets: ${Object.keys(budgets).join(", ")})`,
      );
    }
  }
  if (problems.length > 0) throw new RangeError(problems.join("; "));
  return {
    scale,
    headroom: overrides.headroom ?? defaultRateLimits.headroom,
    budgets,
    calls,
  };
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const where = issue.path.length === 0 ? "(top level)" : issue.path.join(".");
  const value = valueAt(input, issue.path);
  const got =
    value === undefined || issue.code === "unrecognized_keys" ? "" : `, got ${show(value)}`;
  return `${where}: ${issue.message}${got}`;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
