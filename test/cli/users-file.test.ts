import { describe, expect, it } from "vitest";
import { parseUsersFile } from "../../src/cli/sync-flags.ts";

describe("--users-file", () => {
  it("keeps a guest UPN whole: '#' inside a word is not a comment", () => {
    const text = [
      "# the pilot group",
      "jane_contoso.com#EXT#@fabrikam.onmicrosoft.com",
      "  8b081ef6-4792-4def-b2c9-c363a1bf41d5   # Adele, after whitespace",
      "bob@fabrikam.com\t# a tab before the comment",
      "",
      "   ",
      "#no space needed at the start of a line",
      "carl@fabrikam.com#not-a-comment",
    ].join("\r\n");
    expect(parseUsersFile(text)).toEqual([
      "jane_contoso.com#EXT#@fabrikam.onmicrosoft.com",
      "8b081ef6-4792-4def-b2c9-c363a1bf41d5",
      "bob@fabrikam.com",
      "carl@fabrikam.com#not-a-comment",
    ]);
  });
});
