import { describe, expect, it } from "vitest";
import {
  normalizeMember,
  normalizeMembers,
  type ChatMemberRow,
  type JsonObject,
} from "../../src/normalize/index.ts";
import { accepted, rejected } from "./results.ts";

const CHAT = "19:abc@thread.v2";

const common = {
  id: "bWVtYmVy",
  roles: ["guest"],
  displayName: "Someone",
  visibleHistoryStartDateTime: "2021-04-20T17:13:43.715Z",
};

function row(overrides: Partial<ChatMemberRow>, raw: Record<string, unknown>): ChatMemberRow {
  return {
    chat_id: CHAT,
    membership_id: "bWVtYmVy",
    member_type: null,
    user_id: null,
    display_name: "Someone",
    email: null,
    tenant_id: null,
    roles: ["guest"],
    visible_history_start_at: "2021-04-20T17:13:43.715Z",
    ...overrides,
    raw: raw as JsonObject,
  };
}

describe("normalizeMember: every conversationMember subtype", () => {
  it.each<[string, Record<string, unknown>, Partial<ChatMemberRow>]>([
    [
      "aadUserConversationMember",
      { userId: "u-1", email: "Someone@Contoso.com", tenantId: "t-1" },
      { user_id: "u-1", email: "Someone@Contoso.com", tenant_id: "t-1" },
    ],
    [
      "aadUserConversationMember",
      { userId: "u-1", email: null, tenantId: "t-1" },
      { user_id: "u-1", tenant_id: "t-1" },
    ],
    ["anonymousGuestConversationMember", { anonymousGuestId: "guest-7" }, {}],
    ["microsoftAccountUserConversationMember", { userId: "msa-1" }, { user_id: "msa-1" }],
    [
      "skypeForBusinessUserConversationMember",
      { userId: "sfb-1", tenantId: "t-2" },
      { user_id: "sfb-1", tenant_id: "t-2" },
    ],
    ["skypeUserConversationMember", { skypeId: "live:someone" }, {}],
    ["phoneUserConversationMember", { phoneNumber: "+15550100" }, {}],
    [
      "azureCommunicationServicesUserConversationMember",
      { azureCommunicationServicesId: "8:acs:1" },
      {},
    ],
    [
      "holographicConversationMember",
      { userId: "future-1", hologramId: "h" },
      { user_id: "future-1" },
    ],
  ])("%s %j: its columns, subtype fields kept in raw", (type, fields, columns) => {
    const json = { "@odata.type": `#microsoft.graph.${type}`, ...common, ...fields };
    expect(normalizeMember(json, CHAT)).toEqual({
      ok: true,
      value: row({ member_type: type, ...columns }, json),
      warnings: [],
    });
  });

  it("keeps a type without the Graph prefix as sent, and a missing type as null", () => {
    expect(
      accepted(normalizeMember({ ...common, "@odata.type": "customMember" }, CHAT)).value
        .member_type,
    ).toBe("customMember");
    expect(accepted(normalizeMember(common, CHAT)).value.member_type).toBeNull();
  });

  it.each<[unknown, string[], string[]]>([
    [undefined, [], []],
    [null, [], []],
    [[], [], []],
    [["owner", "guest"], ["owner", "guest"], []],
    [["owner", 3, null], ["owner"], ["roles: items that are not strings dropped"]],
    ["owner", [], ["roles: expected an array of strings, got a string; stored as []"]],
  ])("roles %j -> %j", (roles, expected, warnings) => {
    const result = accepted(normalizeMember({ ...common, roles }, CHAT));
    expect(result.value.roles).toEqual(expected);
    expect(result.warnings).toEqual(warnings);
  });

  it("maps the 0001 history start to null and keeps 1970", () => {
    const at = (v: string) =>
      accepted(normalizeMember({ ...common, visibleHistoryStartDateTime: v }, CHAT)).value
        .visible_history_start_at;
    expect(at("0001-01-01T00:00:00Z")).toBeNull();
    expect(at("1970-01-01T00:00:00Z")).toBe("1970-01-01T00:00:00Z");
  });

  it("nulls descriptive fields of the wrong type with warnings, raw keeps them", () => {
    const json = { ...common, "@odata.type": 5, userId: 12, email: ["a"], displayName: false };
    const { value, warnings } = accepted(normalizeMember(json, CHAT));
    expect(value).toEqual(row({ display_name: null }, json));
    expect(warnings).toEqual([
      "@odata.type: expected a string, got a number (5); stored as null",
      "userId: expected a string, got a number (12); stored as null",
      "displayName: expected a string, got a boolean (false); stored as null",
      "email: expected a string, got an array; stored as null",
    ]);
  });

  it.each<[unknown, string]>([
    [{ displayName: "x" }, "missing id"],
    [{ id: 3 }, "id is not a string (got a number (3))"],
    [{ id: "" }, "empty id"],
    ["member", "item is not an object (got a string)"],
  ])("rejects %j: %s", (json, reason) => {
    expect(rejected(normalizeMember(json, CHAT))).toEqual({
      kind: "member",
      context: CHAT,
      reason,
      raw: json,
    });
  });
});

describe("normalizeMembers: a chat's whole member list", () => {
  const a = { id: "m-a", displayName: "A", userId: "u-1" };
  const b = { id: "m-b", displayName: "B", userId: "u-1" };

  it("keeps two memberships of one userId, and the first of a repeated membership id", () => {
    const result = normalizeMembers([a, b, { ...a, displayName: "A again" }, { id: 9 }], CHAT);
    expect(result.members.map((m) => [m.membership_id, m.display_name, m.user_id])).toEqual([
      ["m-a", "A", "u-1"],
      ["m-b", "B", "u-1"],
    ]);
    expect(result.warnings).toEqual([
      "[2]: same membership id as [0] with different content; kept [0]",
      "[3]: member rejected (id is not a string (got a number (9))); left out",
    ]);
    expect(result.rejected).toEqual([
      {
        kind: "member",
        context: CHAT,
        reason: "id is not a string (got a number (9))",
        raw: { id: 9 },
      },
    ]);
  });

  it("rejects a list that is not an array as a whole", () => {
    expect(normalizeMembers({ value: [] }, CHAT)).toEqual({
      members: [],
      warnings: [],
      rejected: [
        {
          kind: "member",
          context: CHAT,
          reason: "member list is not an array",
          raw: { value: [] },
        },
      ],
    });
  });
});
