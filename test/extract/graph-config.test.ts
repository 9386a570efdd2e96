import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.ts";
import { cloudForBaseUrl } from "../../src/extract/cloud.ts";
import { defineGraphConfig } from "../../src/extract/graph-config.ts";
import { defaultRateLimits } from "../../src/extract/rate-limits.ts";
import { defaultRetryPolicy } from "../../src/extract/retry-policy.ts";

const secretAuth = {
  kind: "clientSecret",
  tenantId: "t",
  clientId: "c",
  clientSecret: "very-secret-value",
} as const;

describe("graph config", () => {
  it("defaults to global Graph with its authority, scope, retry policy and rate limits, frozen", () => {
    const config = defineGraphConfig({ auth: secretAuth });
    expect(config).toMatchObject({
      baseUrl: "https://graph.microsoft.com",
      origin: "https://graph.microsoft.com",
      tokenScope: "https://graph.microsoft.com/.default",
      auth: { authorityHost: "https://login.microsoftonline.com" },
      requestTimeoutMs: 30_000,
      maxPages: 10_000,
      retry: defaultRetryPolicy,
      rateLimits: defaultRateLimits,
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.rateLimits.budgets.otherGet)).toBe(true);
  });

  it.each([
    ["https://graph.microsoft.com", "https://login.microsoftonline.com"],
    ["https://graph.microsoft.us", "https://login.microsoftonline.us"],
    ["https://dod-graph.microsoft.us", "https://login.microsoftonline.us"],
    ["https://microsoftgraph.chinacloudapi.cn", "https://login.chinacloudapi.cn"],
  ])("maps %s to the authority %s and its own scope", (baseUrl, authorityHost) => {
    expect(cloudForBaseUrl(baseUrl)).toEqual({ authorityHost, scope: `${baseUrl}/.default` });
    const config = defineGraphConfig({ baseUrl: `${baseUrl}/`, auth: secretAuth });
    expect(config.baseUrl).toBe(baseUrl);
    expect(config.auth).toMatchObject({ authorityHost });
  });

  it("accepts the simulator on loopback http with a static token", () => {
    const config = defineGraphConfig({
      baseUrl: "http://127.0.0.1:4010",
      auth: { kind: "static", token: "t" },
      rateLimits: { scale: 10 },
    });
    expect(config.origin).toBe("http://127.0.0.1:4010");
    expect(config.rateLimits.scale).toBe(10);
  });

  it("asks for an authority host when credentials target a non-Microsoft Graph", () => {
    expect(() => defineGraphConfig({ baseUrl: "http://127.0.0.1:4010", auth: secretAuth })).toThrow(
      /set AZURE_AUTHORITY_HOST/,
    );
    const config = defineGraphConfig({
      baseUrl: "http://127.0.0.1:4010",
      auth: { ...secretAuth, authorityHost: "https://127.0.0.1:4011/" },
    });
    expect(config.auth).toMatchObject({ authorityHost: "https://127.0.0.1:4011" });
  });

  it("refuses plain http off loopback, so the token never travels in clear", () => {
    expect(() =>
      defineGraphConfig({ baseUrl: "http://graph.example.com", auth: secretAuth }),
    ).toThrow(ConfigError);
  });

  it("refuses a base URL that includes the version", () => {
    expect(() =>
      defineGraphConfig({ baseUrl: "https://graph.microsoft.com/v1.0", auth: secretAuth }),
    ).toThrow(/without version/);
  });

  it("merges rate-limit overrides into the defaults per budget field and per call", () => {
    const config = defineGraphConfig({
      auth: secretAuth,
      rateLimits: {
        scale: 2,
        headroom: 0.1,
        budgets: {
          otherGet: { tenantPerSecond: 10 },
          listings: { tenantPerSecond: 20, perUserPerSecond: 1 },
        },
        calls: { listChats: "listings" },
      },
    });
    expect(config.rateLimits).toMatchObject({ scale: 2, headroom: 0.1 });
    expect(config.rateLimits.budgets.otherGet).toEqual({
      tenantPerSecond: 10,
      perUserPerSecond: 5,
      perChatPerSecond: 1,
    });
    expect(config.rateLimits.budgets.listings).toEqual({
      tenantPerSecond: 20,
      perUserPerSecond: 1,
    });
    expect(config.rateLimits.calls).toEqual({ ...defaultRateLimits.calls, listChats: "listings" });
    expect(config.rateLimits.budgets.chatMessages).toEqual(defaultRateLimits.budgets.chatMessages);
  });

  it.each([
    [{ budgets: { otherGet: { tenantPerSecond: 0 } } }, /budgets\.otherGet\.tenantPerSecond/],
    [{ calls: { listChats: "nowhere" } }, /calls\.listChats: no budget named "nowhere"/],
    [{ budgets: { fresh: { perUserPerSecond: 1 } } }, /budgets\.fresh\.tenantPerSecond/],
    [{ headroom: 1 }, /headroom/],
  ])("refuses the rate-limit override %j, naming the key", (rateLimits, message) => {
    const attempt = () => defineGraphConfig({ auth: secretAuth, rateLimits });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
  });

  it("names the bad field without echoing a secret", () => {
    const attempt = () =>
      defineGraphConfig({ auth: { ...secretAuth, tenantId: "" }, requestTimeoutMs: -1 });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/auth\.tenantId/);
    expect(attempt).toThrow(/requestTimeoutMs/);
    expect(attempt).not.toThrow(/very-secret-value/);
  });

  it("has response limits and a circuit breaker as data, with defaults and validation", () => {
    const config = defineGraphConfig({ auth: secretAuth });
    expect(config).toMatchObject({
      maxResponseBytes: 32 * 1024 * 1024,
      maxExpansionRatio: 200,
      circuitBreaker: { windowMs: 60_000, minFailures: 20 },
    });
    const tuned = defineGraphConfig({
      auth: secretAuth,
      maxResponseBytes: 1024 * 1024,
      circuitBreaker: { minFailures: 5 },
    });
    expect(tuned.maxResponseBytes).toBe(1024 * 1024);
    expect(tuned.circuitBreaker).toEqual({ windowMs: 60_000, minFailures: 5 });
    expect(Object.isFrozen(tuned.circuitBreaker)).toBe(true);
    expect(() => defineGraphConfig({ auth: secretAuth, maxResponseBytes: 1000 })).toThrow(
      /maxResponseBytes/,
    );
    expect(() => defineGraphConfig({ auth: secretAuth, maxExpansionRatio: 1 })).toThrow(
      /maxExpansionRatio/,
    );
    expect(() =>
      defineGraphConfig({ auth: secretAuth, circuitBreaker: { minFailures: 0 } }),
    ).toThrow(/circuitBreaker\.minFailures/);
  });

  it("rejects an authority host that is not https (MSAL would refuse it later, less clearly)", () => {
    expect(() =>
      defineGraphConfig({ auth: { ...secretAuth, authorityHost: "http://login.example" } }),
    ).toThrow(/authorityHost/);
  });
});
