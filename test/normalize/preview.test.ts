import { describe, expect, it } from "vitest";
import { normalizePreview, type MessagePreviewRow } from "../../src/normalize/index.ts";
import { accepted, rejected } from "./results.ts";

const CHAT = "19:abc@thread.v2";

function preview(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "1622853091207",
    createdDateTime: "2021-06-05T00:31:31.207Z",
    isDeleted: false,
    messageType: "message",
    eventDetail: null,
    body: { contentType: "text", content: "Testing" },
    from: null,
    ...overrides,
  };
}

const BASE_ROW: MessagePreviewRow = {
  chat_id: CHAT,
  message_id: "1622853091207",
  created_at: "2021-06-05T00:31:31.207Z",
  is_deleted: false,
  message_type: "message",
  body_content_type: "text",
  body_content: "Testing",
  from_kind: null,
  from_user_id: null,
  from_application_id: null,
  from_identity_type: null,
  from_display_name: null,
  event_detail_type: null,
  event_detail: null,
};

describe("normalizePreview: who sent it", () => {
  const user = { id: "u-1", displayName: "Nick Fury", userIdentityType: "aadUser" };
  const app = { id: "app-1", displayName: "talla", applicationIdentityType: "tenantBot" };
  const device = { id: "dev-1", displayName: "Room 4", deviceIdentityType: "teamsRoom" };

  it.each<[string, unknown, Partial<MessagePreviewRow>]>([
    ["from null (system message)", null, {}],
    ["from missing", undefined, {}],
    ["from with all three null", { user: null, application: null, device: null }, {}],
    [
      "a user",
      { user, application: null, device: null },
      {
        from_kind: "user",
        from_user_id: "u-1",
        from_identity_type: "aadUser",
        from_display_name: "Nick Fury",
      },
    ],
    [
      "an application (bot)",
      { device: null, user: null, application: app },
      {
        from_kind: "application",
        from_application_id: "app-1",
        from_identity_type: "tenantBot",
        from_display_name: "talla",
      },
    ],
    [
      "a device",
      { user: null, application: null, device },
      { from_kind: "device", from_identity_type: "teamsRoom", from_display_name: "Room 4" },
    ],
  ])("%s", (_label, from, columns) => {
    expect(normalizePreview(preview({ from }), CHAT)).toEqual({
      ok: true,
      value: { ...BASE_ROW, ...columns },
      warnings: [],
    });
  });

  it("uses the user when several identities are set, with a warning", () => {
    const { value, warnings } = accepted(
      normalizePreview(preview({ from: { user, application: app } }), CHAT),
    );
    expect([value.from_kind, value.from_user_id, value.from_application_id]).toEqual([
      "user",
      "u-1",
      null,
    ]);
    expect(warnings).toEqual(["from: several identities set (user, application); used user"]);
  });

  it("ignores an identity that is not an object, with a warning", () => {
    const { value, warnings } = accepted(
      normalizePreview(preview({ from: { user: "u-1" } }), CHAT),
    );
    expect(value.from_kind).toBeNull();
    expect(warnings).toEqual(["from.user: expected an object, got a string; ignored"]);
  });
});

describe("normalizePreview: content and type", () => {
  it.each(["text", "html"])("keeps body contentType %s and the content", (contentType) => {
    const { value } = accepted(
      normalizePreview(preview({ body: { contentType, content: "<p>x</p>" } }), CHAT),
    );
    expect([value.body_content_type, value.body_content]).toEqual([contentType, "<p>x</p>"]);
  });

  it("maps a deleted message with an empty body", () => {
    const { value, warnings } = accepted(
      normalizePreview(
        preview({ isDeleted: true, body: { contentType: "text", content: "" } }),
        CHAT,
      ),
    );
    expect([value.is_deleted, value.body_content]).toEqual([true, ""]);
    expect(warnings).toEqual([]);
  });

  it("stores null body columns for a missing or malformed body", () => {
    expect(accepted(normalizePreview(preview({ body: null }), CHAT)).value).toEqual({
      ...BASE_ROW,
      body_content_type: null,
      body_content: null,
    });
    expect(accepted(normalizePreview(preview({ body: "hi" }), CHAT)).warnings).toEqual([
      "body: expected an object, got a string; stored as null",
    ]);
  });

  it.each(["chatEvent", "typing", "systemEventMessage", "unknownFutureValue", "someNewKind"])(
    "keeps messageType %s as text",
    (messageType) => {
      expect(accepted(normalizePreview(preview({ messageType }), CHAT)).value.message_type).toBe(
        messageType,
      );
    },
  );

  it("rejects a preview without an id", () => {
    const json = preview({ id: null });
    expect(rejected(normalizePreview(json, CHAT))).toEqual({
      kind: "preview",
      context: CHAT,
      reason: "missing id",
      raw: json,
    });
  });
});

describe("normalizePreview: eventDetail", () => {
  it.each([
    [
      "membersAddedEventMessageDetail",
      { members: [{ id: "u-2" }], visibleHistoryStartDateTime: "2021-01-01T00:00:00Z" },
    ],
    ["membersDeletedEventMessageDetail", { members: [{ id: "u-2" }] }],
    ["chatRenamedEventMessageDetail", { chatId: CHAT, chatDisplayName: "New name" }],
    [
      "callEndedEventMessageDetail",
      { callId: "c-1", callDuration: "PT1M2S", callEventType: "call" },
    ],
    ["conversationMemberRoleUpdatedEventMessageDetail", { conversationMemberRoles: ["owner"] }],
    ["teamsAppInstalledEventMessageDetail", { teamsAppId: "app", teamsAppDisplayName: "App" }],
    ["messagePinnedEventMessageDetail", { eventDateTime: "2024-01-01T00:00:00.1234567Z" }],
    ["brandNewEventMessageDetail", { whatever: { nested: [true] } }],
  ])("keeps %s whole as jsonb, typed without prefix", (type, fields) => {
    const detail = {
      "@odata.type": `#microsoft.graph.${type}`,
      ...fields,
      initiator: { user: { id: "u-1" } },
    };
    const { value, warnings } = accepted(
      normalizePreview(preview({ messageType: "systemEventMessage", eventDetail: detail }), CHAT),
    );
    expect([value.event_detail_type, value.event_detail]).toEqual([type, detail]);
    expect(warnings).toEqual([]);
  });

  it("nulls the 0001 sentinel in *DateTime fields of the detail, keeps 1970 and other strings", () => {
    const detail = {
      "@odata.type": "#microsoft.graph.membersAddedEventMessageDetail",
      visibleHistoryStartDateTime: "0001-01-01T00:00:00Z",
      members: [
        { id: "u", joinedDateTime: "0001-01-01T00:00:00.0000000Z", note: "0001-01-01T00:00:00Z" },
      ],
      otherDateTime: "1970-01-01T00:00:00Z",
    };
    const { value } = accepted(normalizePreview(preview({ eventDetail: detail }), CHAT));
    expect(value.event_detail).toEqual({
      "@odata.type": "#microsoft.graph.membersAddedEventMessageDetail",
      visibleHistoryStartDateTime: null,
      members: [{ id: "u", joinedDateTime: null, note: "0001-01-01T00:00:00Z" }],
      otherDateTime: "1970-01-01T00:00:00Z",
    });
  });

  it("keeps a detail without @odata.type with a null type and a warning", () => {
    const { value, warnings } = accepted(
      normalizePreview(preview({ eventDetail: { a: 1 } }), CHAT),
    );
    expect([value.event_detail_type, value.event_detail]).toEqual([null, { a: 1 }]);
    expect(warnings).toEqual([
      "eventDetail: no @odata.type string; event_detail_type stored as null",
    ]);
  });

  it("stores no detail for one that is not an object, with a warning", () => {
    const { value, warnings } = accepted(normalizePreview(preview({ eventDetail: [1] }), CHAT));
    expect([value.event_detail_type, value.event_detail]).toEqual([null, null]);
    expect(warnings).toEqual(["eventDetail: expected an object, got an array; stored as null"]);
  });
});
