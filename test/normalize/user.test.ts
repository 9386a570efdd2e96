import { describe, expect, it } from "vitest";
import { normalizeUser } from "../../src/normalize/index.ts";
import { rejected } from "./results.ts";

describe("normalizeUser", () => {
  it("keeps the id and userPrincipalName of a /users item", () => {
    expect(
      normalizeUser({
        id: "8b081ef6-4792-4def-b2c9-c363a1bf41d5",
        userPrincipalName: "AdeleV@contoso.com",
        displayName: "Adele Vance",
      }),
    ).toEqual({
      ok: true,
      value: {
        id: "8b081ef6-4792-4def-b2c9-c363a1bf41d5",
        userPrincipalName: "AdeleV@contoso.com",
      },
      warnings: [],
    });
  });

  it("nulls a userPrincipalName that is not a string", () => {
    expect(normalizeUser({ id: "u-1", userPrincipalName: 7 })).toEqual({
      ok: true,
      value: { id: "u-1", userPrincipalName: null },
      warnings: ["userPrincipalName: expected a string, got a number (7); stored as null"],
    });
  });

  it("rejects a user without an id, hashing its mail when asked", () => {
    const result = rejected(normalizeUser({ mail: "Adele@contoso.com" }, { hashEmails: true }));
    expect(result).toEqual({
      kind: "user",
      context: "users",
      reason: "missing id",
      raw: { mail: "6305db4b21f770b264d0688a9c3b60617c937a2da3f83110fe40ddec3f400968" },
    });
  });
});
