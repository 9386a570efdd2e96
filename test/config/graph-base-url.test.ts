/**
 * GRAPH_BASE_URL has one rule (parseGraphBaseUrl): the configuration read from the
 * environment and the extract stage's own config accept and refuse the same URLs, with
 * the same message.
 */
import { describe, expect, it } from "vitest";
import { readEnv } from "../../src/config/env.ts";
import { ConfigError } from "../../src/errors.ts";
import { defineGraphConfig } from "../../src/extract/graph-config.ts";

const fromEnv = (url: string) => readEnv({ GRAPH_BASE_URL: url }, "/tmp").graphBaseUrl;
const fromStage = (url: string) =>
  defineGraphConfig({ baseUrl: url, auth: { kind: "static", token: "t" } }).baseUrl;

function refusal(read: (url: string) => string, url: string): string {
  try {
    read(url);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`${url} was accepted`);
}

describe("GRAPH_BASE_URL: one rule", () => {
  it.each([
    ["https://graph.microsoft.com/", "https://graph.microsoft.com"],
    ["https://Graph.Microsoft.US", "https://graph.microsoft.us"],
    ["https://proxy.example.com/graph/", "https://proxy.example.com/graph"],
    ["http://127.0.0.1:4010", "http://127.0.0.1:4010"],
    ["http://localhost:4010/", "http://localhost:4010"],
    ["http://[::1]:4010", "http://[::1]:4010"],
  ])("accepts %s as %s, wherever it is read", (url, normalized) => {
    expect(fromEnv(url)).toBe(normalized);
    expect(fromStage(url)).toBe(normalized);
  });

  it.each([
    [
      "graph.microsoft.com",
      /^GRAPH_BASE_URL must be a URL such as https:\/\/graph\.microsoft\.com/,
    ],
    [
      "ftp://graph.example.com",
      /^GRAPH_BASE_URL must be http\(s\), got 'ftp:\/\/graph\.example\.com'/,
    ],
    ["https://user:hunter2@graph.example.com", /^GRAPH_BASE_URL must be a plain origin/],
    ["https://graph.microsoft.com/?access_token=abc", /^GRAPH_BASE_URL must be a plain origin/],
    ["https://graph.microsoft.com/#x", /^GRAPH_BASE_URL must be a plain origin/],
    ["http://graph.example.com", /uses http; use https \(http is only allowed on loopback\)/],
    ["https://graph.microsoft.com/v1.0/", /without version \(drop \/v1\.0/],
    ["https://graph.microsoft.com/BETA", /without version \(drop \/BETA/],
  ])("refuses %s with the same message wherever it is read", (url, message) => {
    const env = refusal(fromEnv, url);
    expect(env).toMatch(message);
    expect(refusal(fromStage, url)).toBe(env);
  });

  it("never echoes credentials or a query it refuses", () => {
    expect(refusal(fromEnv, "https://user:hunter2@graph.example.com")).not.toContain("hunter2");
    expect(refusal(fromEnv, "ftp://u:hunter2@graph.example.com")).not.toContain("hunter2");
    expect(refusal(fromEnv, "https://graph.microsoft.com/?access_token=abc")).not.toContain("abc");
  });
});
