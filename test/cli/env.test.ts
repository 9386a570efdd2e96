import { describe, expect, it } from "vitest";
import { readEnv } from "../../src/config/env.ts";
import { ConfigError } from "../../src/errors.ts";

describe("readEnv: PG_PREPARED_STATEMENTS", () => {
  it("is on unless set to off (any case, blank means unset)", () => {
    const prepared = (value?: string) =>
      readEnv(value === undefined ? {} : { PG_PREPARED_STATEMENTS: value }, "/tmp")
        .preparedStatements;
    expect(prepared()).toBe(true);
    expect(prepared(" ")).toBe(true);
    expect(prepared("on")).toBe(true);
    expect(prepared("OFF")).toBe(false);
  });

  it("refuses anything else, naming the variable", () => {
    expect(() => readEnv({ PG_PREPARED_STATEMENTS: "false" }, "/tmp")).toThrow(ConfigError);
    expect(() => readEnv({ PG_PREPARED_STATEMENTS: "false" }, "/tmp")).toThrow(
      "PG_PREPARED_STATEMENTS must be on or off, got 'false'",
    );
  });
});
