/**
 * GRAPH_MAX_RESPONSE_BYTES: read and validated once with the rest of the environment, and
 * the cap it sets is the one the extractor the CLI builds applies (response-limits.test.ts
 * shows what the cap does).
 */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/config.ts";
import { readEnv } from "../../src/config/env.ts";
import { ConfigError } from "../../src/errors.ts";
import { createExtractor } from "../../src/cli/app.ts";
import { graphConfigDefaults } from "../../src/extract/index.ts";
import { createLogger } from "../../src/log.ts";
import { runCli } from "../support/cli.ts";

describe("GRAPH_MAX_RESPONSE_BYTES", () => {
  it("is unset by default and read as a whole number of bytes", () => {
    expect(readEnv({}, "/tmp").graphMaxResponseBytes).toBeUndefined();
    expect(
      readEnv({ GRAPH_MAX_RESPONSE_BYTES: " " }, "/tmp").graphMaxResponseBytes,
    ).toBeUndefined();
    expect(readEnv({ GRAPH_MAX_RESPONSE_BYTES: "104857600" }, "/tmp").graphMaxResponseBytes).toBe(
      104_857_600,
    );
  });

  it.each(["64MB", "-1", "1e9", "1000", "2147483648", "12.5"])(
    "refuses %s, naming the variable and the range",
    (value) => {
      const read = () => readEnv({ GRAPH_MAX_RESPONSE_BYTES: value }, "/tmp");
      expect(read).toThrow(ConfigError);
      expect(read).toThrow(
        `GRAPH_MAX_RESPONSE_BYTES must be a whole number of bytes from 65536 (64 KiB) to 1073741824 (1 GiB), got '${value}'`,
      );
    },
  );

  it("reaches the extractor the CLI builds, and a bad value stops the binary with that message", async () => {
    const config = loadConfig({
      env: { GRAPH_ACCESS_TOKEN: "t", GRAPH_MAX_RESPONSE_BYTES: "65536" },
      cwd: "/tmp",
    });
    const extractor = createExtractor({ config, logger: createLogger({ level: "silent" }) });
    expect(extractor.config.maxResponseBytes).toBe(65_536);
    const unset = createExtractor({
      config: loadConfig({ env: { GRAPH_ACCESS_TOKEN: "t" }, cwd: "/tmp" }),
      logger: createLogger({ level: "silent" }),
    });
    expect(unset.config.maxResponseBytes).toBe(graphConfigDefaults.maxResponseBytes);

    const refused = await runCli(["sync", "--json"], {
      GRAPH_ACCESS_TOKEN: "t",
      GRAPH_MAX_RESPONSE_BYTES: "64k",
    });
    expect(refused.code, refused.describe).toBe(1);
    expect(refused.stderr).toContain("GRAPH_MAX_RESPONSE_BYTES must be a whole number of bytes");
  });
});
