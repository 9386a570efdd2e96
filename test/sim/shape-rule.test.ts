import { describe, expect, it } from "vitest";
import { shapeMismatches } from "./support/shape.ts";

describe("the fixture contract rule", () => {
  it("accepts an answer with every fixture property, of the same JSON types, plus extras", () => {
    const fixture = { id: "a", n: 1, ok: true, at: "2021-06-05T00:31:30.767Z", nested: { x: "y" } };
    const actual = {
      id: "b",
      n: 2,
      ok: false,
      at: "2024-01-01T00:00:00Z",
      nested: { x: "z", more: 1 },
      extra: [],
    };
    expect(shapeMismatches(fixture, actual)).toEqual([]);
  });

  it("reports a missing property, a wrong type and a non-timestamp where the fixture has one", () => {
    const problems = shapeMismatches(
      { a: "x", b: 1, at: "2021-06-05T00:31:30Z" },
      { b: "1", at: "yesterday" },
    );
    expect(problems).toEqual([
      "$.a: missing",
      '$.b: expected number, got string "1"',
      '$.at: expected a timestamp, got "yesterday"',
    ]);
  });

  it("lets a fixture null match anything, but not the reverse", () => {
    expect(shapeMismatches({ from: null }, { from: { user: {} } })).toEqual([]);
    expect(shapeMismatches({ from: { user: {} } }, { from: null })).toEqual([
      "$.from: expected an object, got null",
    ]);
  });

  it("treats viewpoint and chatViewpoint as one property", () => {
    const fixture = { chatViewpoint: { isHidden: false } };
    expect(shapeMismatches(fixture, { viewpoint: { isHidden: true } })).toEqual([]);
    expect(shapeMismatches(fixture, { view: {} })).toEqual(["$.chatViewpoint: missing"]);
  });

  it("needs a matching actual element for every fixture array element, with equal @odata.type", () => {
    const added = {
      "@odata.type": "#microsoft.graph.membersAddedEventMessageDetail",
      members: [{ id: "x" }],
    };
    const renamed = {
      "@odata.type": "#microsoft.graph.chatRenamedEventMessageDetail",
      chatId: "c",
    };
    expect(shapeMismatches([added], [renamed, { ...added, members: [{ id: "y" }] }])).toEqual([]);
    expect(shapeMismatches([added], [renamed])[0]).toMatch(/no element of 1 matches/);
    expect(shapeMismatches([{ id: "x" }], [])).toEqual(["$: expected a non-empty array"]);
    expect(shapeMismatches([], ["anything"])).toEqual([]);
  });

  it("reads type descriptors of resource pages", () => {
    const fixture = { id: "string", at: "string (timestamp)", count: "Integer", error: null };
    expect(
      shapeMismatches(
        fixture,
        { id: "x", at: "2021-05-27T21:23:41.9085453Z", count: 1, error: null },
        { descriptors: true },
      ),
    ).toEqual([]);
    expect(
      shapeMismatches(fixture, { id: 1, at: "x", count: 1.5, error: null }, { descriptors: true }),
    ).toHaveLength(3);
  });
});
