import { describe, expect, it } from "vitest";
import {
  normalizeListedChat,
  normalizeListedViewpoint,
  type ChatRow,
  type JsonObject,
} from "../../src/normalize/index.ts";
import { accepted, rejected } from "./results.ts";

const USER = "user-1";
const CHAT_ID = "19:abc@thread.v2";

function chat(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: CHAT_ID,
    topic: "Planning",
    createdDateTime: "2021-04-06T19:49:52.431Z",
    lastUpdatedDateTime: "2021-04-06T19:54:04.3061234Z",
    chatType: "group",
    webUrl: "https://teams.microsoft.com/l/chat/x",
    tenantId: "tenant-1",
    isHiddenForAllMembers: false,
    onlineMeetingInfo: null,
    ...overrides,
  };
}

function member(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    "@odata.type": "#microsoft.graph.aadUserConversationMember",
    id,
    roles: [],
    displayName: `Member ${id}`,
    userId: `user-${id}`,
    email: null,
    tenantId: "tenant-1",
    ...extra,
  };
}

const EXPECTED_ROW: ChatRow = {
  chat_id: CHAT_ID,
  tenant_id: "tenant-1",
  chat_type: "group",
  topic: "Planning",
  web_url: "https://teams.microsoft.com/l/chat/x",
  created_at: "2021-04-06T19:49:52.431Z",
  last_updated_at: "2021-04-06T19:54:04.3061234Z",
  last_updated_raw: "2021-04-06T19:54:04.3061234Z",
  is_hidden_for_all_members: false,
  migration_mode: null,
  original_created_at: null,
  meeting_join_url: null,
  meeting_calendar_event_id: null,
  meeting_organizer_id: null,
  last_message_id: null,
  last_message_at: null,
  raw: chat() as JsonObject,
};

describe("normalizeListedChat: the chat row", () => {
  it("maps a well-formed chat without expansions, 7 fractional digits kept", () => {
    expect(normalizeListedChat(chat(), USER)).toEqual({
      ok: true,
      value: {
        chat: EXPECTED_ROW,
        viewpoint: null,
        members: null,
        membersMayBeTruncated: false,
        preview: null,
      },
      warnings: [],
    });
  });

  it("keeps migration fields and unknown enum values as text, without warnings", () => {
    const { value, warnings } = accepted(
      normalizeListedChat(
        chat({
          chatType: "somethingNew",
          migrationMode: "inProgress",
          originalCreatedDateTime: "2019-01-01T00:00:00Z",
        }),
        USER,
      ),
    );
    expect(value.chat).toMatchObject({
      chat_type: "somethingNew",
      migration_mode: "inProgress",
      original_created_at: "2019-01-01T00:00:00Z",
    });
    expect(warnings).toEqual([]);
  });

  it("raw drops expansions, the viewpoint and their annotations, keeps unknown chat fields", () => {
    const input = chat({
      "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#chats(members())/$entity",
      "@odata.etag": "W/1",
      members: [],
      "members@odata.context": "https://graph.microsoft.com/...",
      lastMessagePreview: null,
      "lastMessagePreview@odata.context": "https://graph.microsoft.com/...",
      viewpoint: { isHidden: false, lastMessageReadDateTime: null },
      chatViewpoint: { isHidden: false, lastMessageReadDateTime: null },
      createdBy: { user: { id: "u" } },
      futureField: { nested: [1, 2] },
    });
    const { value } = accepted(normalizeListedChat(input, USER));
    expect(value.chat.raw).toEqual({
      ...chat(),
      "@odata.etag": "W/1",
      createdBy: { user: { id: "u" } },
      futureField: { nested: [1, 2] },
    });
  });

  it("maps onlineMeetingInfo to the meeting columns", () => {
    const { value } = accepted(
      normalizeListedChat(
        chat({
          chatType: "meeting",
          onlineMeetingInfo: {
            calendarEventId: "cal-1",
            joinWebUrl: "https://join",
            organizer: { id: "org-1", displayName: null, userIdentityType: "aadUser" },
          },
        }),
        USER,
      ),
    );
    expect(value.chat).toMatchObject({
      meeting_join_url: "https://join",
      meeting_calendar_event_id: "cal-1",
      meeting_organizer_id: "org-1",
    });
  });
});

describe("normalizeListedChat: the viewpoint", () => {
  const vp = { isHidden: true, lastMessageReadDateTime: "2021-05-06T23:55:07.191Z" };
  const row = {
    user_id: USER,
    chat_id: CHAT_ID,
    is_hidden: true,
    last_message_read_at: "2021-05-06T23:55:07.191Z",
  };

  it.each(["viewpoint", "chatViewpoint"])("reads it under %s", (key) => {
    const { value, warnings } = accepted(normalizeListedChat(chat({ [key]: vp }), USER));
    expect(value.viewpoint).toEqual(row);
    expect(value.chat.raw).not.toHaveProperty(key);
    expect(warnings).toEqual([]);
  });

  it("prefers viewpoint when both are sent, warning when they differ", () => {
    const other = { isHidden: false, lastMessageReadDateTime: null };
    const same = accepted(normalizeListedChat(chat({ viewpoint: vp, chatViewpoint: vp }), USER));
    expect(same.value.viewpoint).toEqual(row);
    expect(same.warnings).toEqual([]);
    const differ = accepted(
      normalizeListedChat(chat({ chatViewpoint: other, viewpoint: vp }), USER),
    );
    expect(differ.value.viewpoint).toEqual(row);
    expect(differ.warnings).toEqual(["chatViewpoint: differs from viewpoint; used viewpoint"]);
  });

  it("maps the 0001 read time to null and keeps 1970", () => {
    const never = accepted(
      normalizeListedChat(
        chat({ viewpoint: { isHidden: false, lastMessageReadDateTime: "0001-01-01T00:00:00Z" } }),
        USER,
      ),
    );
    expect(never.value.viewpoint?.last_message_read_at).toBeNull();
    const epoch = accepted(
      normalizeListedChat(
        chat({ viewpoint: { isHidden: false, lastMessageReadDateTime: "1970-01-01T00:00:00Z" } }),
        USER,
      ),
    );
    expect(epoch.value.viewpoint?.last_message_read_at).toBe("1970-01-01T00:00:00Z");
  });

  it("stores no viewpoint for a null one, and warns for one that is not an object", () => {
    expect(
      accepted(normalizeListedChat(chat({ viewpoint: null }), USER)).value.viewpoint,
    ).toBeNull();
    const bad = accepted(normalizeListedChat(chat({ chatViewpoint: "hidden" }), USER));
    expect(bad.value.viewpoint).toBeNull();
    expect(bad.warnings).toEqual([
      "chatViewpoint: expected an object, got a string; no viewpoint stored",
    ]);
  });

  it("nulls viewpoint fields of the wrong type, with warnings", () => {
    const { value, warnings } = accepted(
      normalizeListedChat(
        chat({ viewpoint: { isHidden: "yes", lastMessageReadDateTime: 5 } }),
        USER,
      ),
    );
    expect(value.viewpoint).toEqual({ ...row, is_hidden: null, last_message_read_at: null });
    expect(warnings).toEqual([
      "viewpoint.isHidden: expected a boolean, got a string; stored as null",
      "viewpoint.lastMessageReadDateTime: expected a timestamp, got a number (5); stored as null",
    ]);
  });
});

describe("normalizeListedChat: bad input", () => {
  it.each<[string, unknown, Partial<ChatRow>, string]>([
    ["topic", 42, { topic: null }, "topic: expected a string, got a number (42); stored as null"],
    [
      "chatType",
      7,
      { chat_type: null },
      "chatType: expected a string, got a number (7); stored as null",
    ],
    [
      "tenantId",
      {},
      { tenant_id: null },
      "tenantId: expected a string, got an object; stored as null",
    ],
    ["webUrl", [], { web_url: null }, "webUrl: expected a string, got an array; stored as null"],
    [
      "createdDateTime",
      "yesterday",
      { created_at: null },
      'createdDateTime: expected a timestamp, got a string ("yesterday"); stored as null',
    ],
    [
      "lastUpdatedDateTime",
      "2021-02-29T00:00:00Z",
      { last_updated_at: null, last_updated_raw: null },
      'lastUpdatedDateTime: expected a timestamp, got a string ("2021-02-29T00:00:00Z"); stored as null',
    ],
    [
      "isHiddenForAllMembers",
      "yes",
      { is_hidden_for_all_members: null },
      "isHiddenForAllMembers: expected a boolean, got a string; stored as null",
    ],
    [
      "migrationMode",
      true,
      { migration_mode: null },
      "migrationMode: expected a string, got a boolean (true); stored as null",
    ],
    [
      "onlineMeetingInfo",
      "https://join",
      { meeting_join_url: null },
      "onlineMeetingInfo: expected an object, got a string; stored as null",
    ],
  ])("%s = %j: null plus a warning, raw keeps what Graph sent", (field, bad, columns, warning) => {
    const input = chat({ [field]: bad });
    const { value, warnings } = accepted(normalizeListedChat(input, USER));
    expect(value.chat).toEqual({ ...EXPECTED_ROW, ...columns, raw: input });
    expect(warnings).toEqual([warning]);
  });

  it("keeps the sentinel lastUpdatedDateTime as sent in last_updated_raw, null in last_updated_at", () => {
    const { value } = accepted(
      normalizeListedChat(chat({ lastUpdatedDateTime: "0001-01-01T00:00:00Z" }), USER),
    );
    expect(value.chat.last_updated_at).toBeNull();
    expect(value.chat.last_updated_raw).toBe("0001-01-01T00:00:00Z");
  });

  it.each<[string, unknown, string]>([
    ["an array item", [chat()], "item is not an object (got an array)"],
    ["a null item", null, "item is not an object (got null)"],
    ["a string item", "19:abc", "item is not an object (got a string)"],
    ["a number item", 7, "item is not an object (got a number (7))"],
    ["a missing id", { topic: "x" }, "missing id"],
    ["a null id", chat({ id: null }), "missing id"],
    ["a numeric id", chat({ id: 42 }), "id is not a string (got a number (42))"],
    ["an object id", chat({ id: { value: "x" } }), "id is not a string (got an object)"],
    ["an empty id", chat({ id: "" }), "empty id"],
  ])("rejects %s with the reason and the JSON, without throwing", (_label, input, reason) => {
    expect(rejected(normalizeListedChat(input, USER))).toEqual({
      kind: "chat",
      context: USER,
      reason,
      raw: input,
    });
  });

  it("replaces NUL in fields and deep inside raw, warning with each path", () => {
    const input = chat({ topic: "Plan\u0000ning", futureField: { list: ["a\u0000"] } });
    const { value, warnings } = accepted(normalizeListedChat(input, USER));
    expect(value.chat.topic).toBe("Plan\uFFFDning");
    expect(value.chat.raw).toEqual({
      ...chat({ topic: "Plan\uFFFDning" }),
      futureField: { list: ["a\uFFFD"] },
    });
    expect(warnings).toEqual([
      "topic: NUL character replaced with U+FFFD",
      "futureField.list[0]: NUL character replaced with U+FFFD",
    ]);
    expect(JSON.stringify(value)).not.toContain("\\u0000");
  });

  it("rejects with sanitized JSON, so the dead-letter record is storable too", () => {
    const reason = rejected(normalizeListedChat({ topic: "a\u0000" }, USER));
    expect(reason.raw).toEqual({ topic: "a\uFFFD" });
  });
});

describe("normalizeListedChat: members", () => {
  it("marks a list of 25 or more as possibly truncated, 24 not", () => {
    const members = (n: number) => Array.from({ length: n }, (_, i) => member(`m${i}`));
    const truncated = (n: number) =>
      accepted(normalizeListedChat(chat({ members: members(n) }), USER)).value
        .membersMayBeTruncated;
    expect([0, 24, 25, 26].map(truncated)).toEqual([false, false, true, true]);
    expect(
      accepted(normalizeListedChat(chat({ members: members(25) }), USER)).value.members,
    ).toHaveLength(25);
  });

  it("marks a list with a members@odata.nextLink as possibly truncated", () => {
    const input = chat({ members: [member("a")], "members@odata.nextLink": "https://next" });
    const { value } = accepted(normalizeListedChat(input, USER));
    expect(value.membersMayBeTruncated).toBe(true);
    expect(value.chat.raw).not.toHaveProperty("members@odata.nextLink");
  });

  it("treats members that are not an array as not expanded, with a warning", () => {
    const { value, warnings } = accepted(normalizeListedChat(chat({ members: { a: 1 } }), USER));
    expect(value.members).toBeNull();
    expect(value.membersMayBeTruncated).toBe(false);
    expect(warnings).toEqual([
      "members: expected an array, got an object; treated as not expanded",
    ]);
  });

  it("leaves out a member without an id, keeps the chat and says which", () => {
    const input = chat({ members: [member("a"), { displayName: "ghost" }, member("b")] });
    const { value, warnings } = accepted(normalizeListedChat(input, USER));
    expect(value.members?.map((m) => m.membership_id)).toEqual(["a", "b"]);
    expect(warnings).toEqual(["members[1]: member rejected (missing id); left out"]);
  });

  it("keeps the first of a duplicated membership id and warns", () => {
    const input = chat({
      members: [member("a"), member("b"), member("a"), member("a", { displayName: "Renamed" })],
    });
    const { value, warnings } = accepted(normalizeListedChat(input, USER));
    expect(value.members?.map((m) => [m.membership_id, m.display_name])).toEqual([
      ["a", "Member a"],
      ["b", "Member b"],
    ]);
    expect(warnings).toEqual([
      "members[2]: same membership id as members[0]; kept members[0]",
      "members[3]: same membership id as members[0] with different content; kept members[0]",
    ]);
  });

  it("prefixes member warnings with their position", () => {
    const input = chat({ members: [member("a", { displayName: "x\u0000", roles: "owner" })] });
    const { value, warnings } = accepted(normalizeListedChat(input, USER));
    expect(value.members?.[0]?.roles).toEqual([]);
    expect(warnings).toEqual([
      "members[0].displayName: NUL character replaced with U+FFFD",
      "members[0].roles: expected an array of strings, got a string; stored as []",
    ]);
  });
});

describe("normalizeListedChat: the preview", () => {
  const preview = {
    id: "1622853091207",
    createdDateTime: "2021-06-05T00:31:31.207Z",
    isDeleted: false,
    messageType: "message",
    body: { contentType: "text", content: "hi" },
    from: null,
    eventDetail: null,
  };

  it("sets last_message_id and last_message_at from the preview", () => {
    const { value } = accepted(normalizeListedChat(chat({ lastMessagePreview: preview }), USER));
    expect([value.chat.last_message_id, value.chat.last_message_at]).toEqual([
      "1622853091207",
      "2021-06-05T00:31:31.207Z",
    ]);
    expect(value.preview?.body_content).toBe("hi");
  });

  it.each<[string, unknown, string]>([
    [
      "without an id",
      { ...preview, id: undefined },
      "lastMessagePreview: preview rejected (missing id); left out",
    ],
    [
      "not an object",
      "hi",
      "lastMessagePreview: preview rejected (item is not an object (got a string)); left out",
    ],
  ])("stores no preview %s, keeps the chat and warns", (_label, bad, warning) => {
    const { value, warnings } = accepted(
      normalizeListedChat(chat({ lastMessagePreview: bad }), USER),
    );
    expect(value.preview).toBeNull();
    expect(value.chat.last_message_id).toBeNull();
    expect(warnings).toEqual([warning]);
  });
});

describe("normalizeListedViewpoint: the cheap path for chats already loaded in the run", () => {
  const loaded = (id: string) => id === CHAT_ID;
  const listed = chat({
    chatViewpoint: { isHidden: true, lastMessageReadDateTime: "2021-04-07T10:00:00.1234567Z" },
    members: [member("m1")],
  });

  it("gives the same viewpoint and lastUpdatedDateTime as the full normalization", () => {
    const full = accepted(normalizeListedChat(listed, USER)).value;
    const cheap = normalizeListedViewpoint(listed, USER, loaded);
    expect(cheap).toEqual({
      value: {
        chat_id: CHAT_ID,
        last_updated_raw: full.chat.last_updated_raw,
        viewpoint: full.viewpoint,
      },
      warnings: [],
    });
  });

  it("declines chats not loaded yet and items that cannot be keyed (the full path decides)", () => {
    expect(normalizeListedViewpoint(listed, USER, () => false)).toBeNull();
    expect(normalizeListedViewpoint({ ...listed, id: 42 }, USER, () => true)).toBeNull();
    expect(normalizeListedViewpoint([listed], USER, () => true)).toBeNull();
    expect(normalizeListedViewpoint(null, USER, () => true)).toBeNull();
  });

  it("cleans what it reads and degrades bad values with a warning", () => {
    const result = normalizeListedViewpoint(
      chat({ lastUpdatedDateTime: "yesterday", viewpoint: { isHidden: "no\u0000" } }),
      USER,
      loaded,
    );
    expect(result?.value).toEqual({
      chat_id: CHAT_ID,
      last_updated_raw: null,
      viewpoint: { user_id: USER, chat_id: CHAT_ID, is_hidden: null, last_message_read_at: null },
    });
    expect(result?.warnings.join("\n")).toMatch(/lastUpdatedDateTime/);
    expect(result?.warnings.join("\n")).toMatch(/NUL/);
  });
});
