import { describe, expect, it } from "vitest";
import {
  normalizeListedChat,
  sanitizeJson,
  sanitizeText,
  stripODataType,
} from "../../src/normalize/index.ts";

describe("sanitizeText", () => {
  it("replaces every NUL with U+FFFD and says so once", () => {
    expect(sanitizeText("a\u0000b\u0000")).toEqual({
      text: "a\uFFFDb\uFFFD",
      problems: ["NUL character replaced with U+FFFD"],
    });
  });

  it.each([
    ["a lone high surrogate", "x\uD83Dy", "x\uFFFDy"],
    ["a lone low surrogate", "x\uDE00y", "x\uFFFDy"],
    ["a high surrogate at the end", "x\uD83D", "x\uFFFD"],
    ["two reversed halves", "\uDE00\uD83D", "\uFFFD\uFFFD"],
  ])("replaces %s", (_label, input, output) => {
    expect(sanitizeText(input)).toEqual({
      text: output,
      problems: ["lone UTF-16 surrogate replaced with U+FFFD"],
    });
  });

  it("keeps valid surrogate pairs (emoji) and ordinary text untouched", () => {
    expect(sanitizeText("ok \uD83D\uDE00 ü")).toEqual({ text: "ok \uD83D\uDE00 ü", problems: [] });
  });

  it("keeps a very long string whole", () => {
    const long = "x".repeat(2_000_000);
    expect(sanitizeText(long).text).toHaveLength(2_000_000);
  });
});

describe("sanitizeJson", () => {
  it("cleans values and keys deep inside objects and arrays, naming each path", () => {
    const warnings: string[] = [];
    const out = sanitizeJson(
      { topic: "a\u0000", nested: { list: [1, "b\u0000", { "k\u0000": "\uD800" }] } },
      warnings,
    );
    expect(out).toEqual({
      topic: "a\uFFFD",
      nested: { list: [1, "b\uFFFD", { "k\uFFFD": "\uFFFD" }] },
    });
    expect(warnings).toEqual([
      "topic: NUL character replaced with U+FFFD",
      "nested.list[1]: NUL character replaced with U+FFFD",
      "nested.list[2]: key NUL character replaced with U+FFFD",
      "nested.list[2].k\uFFFD: lone UTF-16 surrogate replaced with U+FFFD",
    ]);
  });

  it("produces JSON that survives a stringify/parse round trip without NUL escapes", () => {
    const warnings: string[] = [];
    const out = sanitizeJson(JSON.parse('{"a":"\\u0000","b":["\\ud800"]}'), warnings);
    const text = JSON.stringify(out);
    expect(text).not.toContain("\\u0000");
    expect(text).not.toMatch(/\\ud[89a-f]/i);
    expect(JSON.parse(text)).toEqual({ a: "\uFFFD", b: ["\uFFFD"] });
  });

  it("turns values JSON cannot hold into null or drops them, with warnings", () => {
    const warnings: string[] = [];
    const cyclic: Record<string, unknown> = { name: "c" };
    cyclic.self = cyclic;
    const out = sanitizeJson(
      { n: Number.NaN, i: Infinity, u: undefined, f: () => 1, list: [undefined], cyclic },
      warnings,
    );
    expect(out).toEqual({
      n: null,
      i: null,
      f: null,
      list: [null],
      cyclic: { name: "c", self: null },
    });
    expect(warnings).toEqual([
      "n: non-finite number NaN stored as null",
      "i: non-finite number Infinity stored as null",
      "f: function is not JSON; stored as null",
      "cyclic.self: circular reference stored as null",
    ]);
  });

  it("keeps a __proto__ key as data, not as the prototype", () => {
    const out = sanitizeJson(JSON.parse('{"__proto__":{"polluted":true}}'), []);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.hasOwn(out as object, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("cuts nesting deeper than 128 levels to null instead of running out of stack", () => {
    let deep: unknown = "bottom";
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const warnings: string[] = [];
    let out = sanitizeJson(deep, warnings);
    let levels = 0;
    while (Array.isArray(out)) {
      out = out[0] as typeof out;
      levels++;
    }
    expect([levels, out]).toEqual([128, null]);
    expect(warnings).toEqual([
      `${"[0]".repeat(128)}: nested deeper than 128 levels; stored as null`,
    ]);
    const chat = normalizeListedChat(
      JSON.parse(`{"id":"c","x":${"[".repeat(50_000)}${"]".repeat(50_000)}}`),
      "u",
    );
    expect(chat.ok).toBe(true);
  });

  it("copies rather than mutating the input", () => {
    const input = { a: ["x\u0000"] };
    sanitizeJson(input, []);
    expect(input).toEqual({ a: ["x\u0000"] });
  });
});

describe("stripODataType", () => {
  it.each([
    ["#microsoft.graph.aadUserConversationMember", "aadUserConversationMember"],
    ["#microsoft.graph.somethingFromTheFuture", "somethingFromTheFuture"],
    ["aadUserConversationMember", "aadUserConversationMember"],
    ["#other.namespace.thing", "#other.namespace.thing"],
    ["", ""],
  ])("%s -> %s", (input, output) => {
    expect(stripODataType(input)).toBe(output);
  });
});

describe("sanitizeJson without a copy", () => {
  it("returns clean parsed JSON as is, and copies whatever needs a fix or is not plain", () => {
    const clean = JSON.parse(
      '{"a":[1,"x",{"b":null,"c":true}],"emoji":"\\ud83d\\ude00"}',
    ) as unknown;
    const warnings: string[] = [];
    // The emoji is a surrogate pair: the careful path runs and changes nothing.
    expect(sanitizeJson(clean, warnings)).toEqual(clean);
    const plain = JSON.parse('{"a":[1,"x",{"b":null}]}') as unknown;
    expect(sanitizeJson(plain, warnings)).toBe(plain);
    expect(warnings).toEqual([]);

    const withNul = { a: { b: "x\u0000" } };
    const fixed = sanitizeJson(withNul, warnings);
    expect(fixed).toEqual({ a: { b: "x\ufffd" } });
    expect(withNul.a.b).toBe("x\u0000"); // the input is never mutated
    expect(sanitizeJson({ at: new Date(0) }, [])).toEqual({ at: {} });
    // eslint-disable-next-line no-sparse-arrays -- a hole is what is tested
    expect(sanitizeJson([1, , 3], [])).toEqual([1, null, 3]);
  });
});
