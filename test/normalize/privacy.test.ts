import { describe, expect, it } from "vitest";
import {
  hashEmail,
  normalizeListedChat,
  normalizeMember,
  normalizeMembers,
  normalizePreview,
  resolveNormalizeOptions,
} from "../../src/normalize/index.ts";
import { fixtureObject, listItems, readFixture } from "./fixture-files.ts";
import { accepted, rejected } from "./results.ts";

const USER = "user-1";
const JOHN = "john@contoso.onmicrosoft.com";
const JOHN_HASH = "c7fd21b1505d27e2c9af9f1f431eb514d0ebd18b1095c13f2735537708bfc395";

describe("options", () => {
  it("default to bodies kept and clear emails", () => {
    expect(resolveNormalizeOptions()).toEqual({ includeMessageBodies: true, hashEmails: false });
    expect(resolveNormalizeOptions({ hashEmails: true })).toEqual({
      includeMessageBodies: true,
      hashEmails: true,
    });
    expect(Object.isFrozen(resolveNormalizeOptions())).toBe(true);
  });
});

describe("includeMessageBodies: false", () => {
  const off = { includeMessageBodies: false };

  it("stores no body content but keeps its type and everything else", () => {
    const [item] = listItems("list-chats-expand-last-message-preview.json");
    const { value } = accepted(normalizeListedChat(item, USER, off));
    expect(value.preview).toMatchObject({
      message_id: "1622853091207",
      body_content_type: "text",
      body_content: null,
      from_display_name: "Nick Fury",
    });
    expect(JSON.stringify(value)).not.toContain("Testing unread read status");
  });

  it("drops body content from a rejected preview's JSON too", () => {
    const json = { body: { contentType: "text", content: "secret" } };
    expect(rejected(normalizePreview(json, "c", off)).raw).toEqual({
      body: { contentType: "text" },
    });
    expect(rejected(normalizePreview(json, "c")).raw).toEqual(json);
  });

  it("drops body content from a rejected chat's JSON, expansions included", () => {
    const chat = fixtureObject("get-chat-expand-last-message-preview.json");
    delete chat.id;
    const preview = chat.lastMessagePreview as { body: { content: string } };
    preview.body.content = "secret text";
    const result = rejected(normalizeListedChat(chat, USER, off));
    expect(result.reason).toBe("missing id");
    expect(JSON.stringify(result.raw)).not.toContain("secret text");
  });
});

describe("hashEmails: true", () => {
  const on = { hashEmails: true };

  it("hashes the lowercased address with SHA-256 (lowercase hex)", () => {
    expect(hashEmail(JOHN)).toBe(JOHN_HASH);
    expect(hashEmail("John@Contoso.OnMicrosoft.com")).toBe(JOHN_HASH);
  });

  it("stores the hash in the column and in raw; the clear address appears nowhere", () => {
    const json = readFixture("get-chat-expand-members.json");
    const { value } = accepted(normalizeListedChat(json, USER, on));
    const john = value.members?.[0];
    expect(john?.email).toBe(JOHN_HASH);
    expect(john?.raw.email).toBe(JOHN_HASH);
    expect(value.members?.[1]?.email).toBe(
      "a87184844d8764130ef8aee1d7ccea00f67f8091f07a1a1f59d8f93e224bee48",
    );
    const whole = JSON.stringify(value).toLowerCase();
    for (const m of (json as { members: { email: string }[] }).members) {
      expect(whole).not.toContain(m.email.toLowerCase());
    }
  });

  it("hashes a mixed-case address like its lowercase form, also where it is the display name", () => {
    const json = {
      "@odata.type": "#microsoft.graph.aadUserConversationMember",
      id: "m-1",
      displayName: "JOHN@contoso.onmicrosoft.com",
      email: "John@Contoso.onmicrosoft.com",
      user: { mail: "john@contoso.onmicrosoft.com", other: "kept" },
    };
    const { value } = accepted(normalizeMember(json, "c", on));
    expect([value.email, value.display_name]).toEqual([JOHN_HASH, JOHN_HASH]);
    expect(value.raw).toEqual({
      "@odata.type": "#microsoft.graph.aadUserConversationMember",
      id: "m-1",
      displayName: JOHN_HASH,
      email: JOHN_HASH,
      user: { mail: JOHN_HASH, other: "kept" },
    });
  });

  it("hashes a member's address wherever it reappears in the chat's rows", () => {
    const chat = {
      id: "19:x@thread.v2",
      members: [{ id: "m-1", email: JOHN, displayName: "John" }],
      lastMessagePreview: {
        id: "1",
        from: { user: { id: "u-1", displayName: JOHN } },
        eventDetail: { "@odata.type": "#microsoft.graph.x", members: [{ displayName: JOHN }] },
      },
    };
    const { value } = accepted(normalizeListedChat(chat, USER, on));
    expect(value.preview?.from_display_name).toBe(JOHN_HASH);
    expect(value.preview?.event_detail).toEqual({
      "@odata.type": "#microsoft.graph.x",
      members: [{ displayName: JOHN_HASH }],
    });
    expect(value.members?.[0]?.display_name).toBe("John");
    expect(JSON.stringify(value)).not.toContain(JOHN);
  });

  it("leaves a null email null and other display names alone", () => {
    const { value } = accepted(
      normalizeMember({ id: "m", displayName: "John", email: null }, "c", on),
    );
    expect([value.email, value.display_name]).toEqual([null, "John"]);
  });

  it("hashes emails in the JSON of rejected members and chats", () => {
    const members = normalizeMembers([{ email: JOHN }], "c", on);
    expect(members.rejected[0]?.raw).toEqual({ email: JOHN_HASH });
    const chat = fixtureObject("get-chat-expand-members.json");
    delete chat.id;
    const result = rejected(normalizeListedChat(chat, USER, on));
    expect(JSON.stringify(result.raw)).not.toContain(JOHN);
    expect(JSON.stringify(result.raw)).toContain(JOHN_HASH);
  });

  it("keeps clear emails when the option is off", () => {
    const { value } = accepted(
      normalizeListedChat(readFixture("get-chat-expand-members.json"), USER),
    );
    expect(value.members?.[0]?.email).toBe(JOHN);
  });
});
