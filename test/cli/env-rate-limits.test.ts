import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readEnv } from "../../src/config/env.ts";
import { ConfigError } from "../../src/errors.ts";
import { defineGraphConfig } from "../../src/extract/graph-config.ts";
import { defaultRateLimits } from "../../src/extract/rate-limits.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "tcs-rate-limits-"));
const limits = (value: string) => readEnv({ GRAPH_RATE_LIMITS: value }, dir).graphRateLimits;
const refusal = (value: string) => {
  try {
    limits(value);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`GRAPH_RATE_LIMITS=${value} was accepted`);
};

describe("readEnv: GRAPH_RATE_LIMITS", () => {
  it("is unset by default: Graph's table as the pipeline knows it", () => {
    expect(readEnv({}, dir).graphRateLimits).toBeUndefined();
    expect(readEnv({ GRAPH_RATE_LIMITS: " " }, dir).graphRateLimits).toBeUndefined();
  });

  it("takes inline JSON, merged over the defaults where the extractor is configured", () => {
    const overrides = limits(
      '{"headroom": 0.1, "budgets": {"otherGet": {"tenantPerSecond": 20}}, "calls": {"getChat": "directory"}}',
    );
    const config = defineGraphConfig({
      auth: { kind: "static", token: "t" },
      rateLimits: { ...overrides, scale: 3 },
    });
    expect(config.rateLimits).toMatchObject({ scale: 3, headroom: 0.1 });
    expect(config.rateLimits.budgets.otherGet).toEqual({
      ...defaultRateLimits.budgets.otherGet,
      tenantPerSecond: 20,
    });
    expect(config.rateLimits.calls.getChat).toBe("directory");
    expect(config.rateLimits.calls.listChats).toBe("otherGet");
  });

  it("takes the path of a JSON file, relative to the working directory", () => {
    writeFileSync(
      path.join(dir, "limits.json"),
      JSON.stringify({ budgets: { listings: { tenantPerSecond: 20, perUserPerSecond: 1 } } }),
    );
    expect(limits("limits.json")).toEqual({
      budgets: { listings: { tenantPerSecond: 20, perUserPerSecond: 1 } },
    });
  });

  it.each([
    [
      '{"budgets": {"otherGet": {"tenantPerSecond": -3}}}',
      /budgets\.otherGet\.tenantPerSecond: .*above 0, got -3/,
    ],
    [
      '{"budgets": {"otherGet": {"tenantPerSec": 3}}}',
      /budgets\.otherGet: Unrecognized key: "tenantPerSec"/,
    ],
    ['{"calls": {"listChats": "listings"}}', /calls\.listChats: no budget named "listings"/],
    ['{"calls": {"listChat": "otherGet"}}', /calls/],
    ['{"headroom": 1.5}', /headroom: must be below 1, got 1.5/],
    [
      '{"budgets": {"otherGet": {"tenantPerSecond": "30"}}}',
      /tenantPerSecond: must be a number .* got "30"/,
    ],
    ['{"budgets": ', /GRAPH_RATE_LIMITS is not valid JSON/],
    ["missing.json", /cannot read missing\.json: ENOENT/],
  ])("refuses %s, naming the key and the value", (value, message) => {
    expect(refusal(value)).toMatch(message);
    expect(refusal(value)).toMatch(/^GRAPH_RATE_LIMITS/);
  });
});
