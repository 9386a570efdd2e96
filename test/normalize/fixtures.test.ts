import { describe, expect, it } from "vitest";
import {
  normalizeChatMessage,
  normalizeChatMessages,
  normalizeListedChat,
  normalizeMembers,
  normalizeOperation,
  type ChatMemberRow,
  type ListedChat,
} from "../../src/normalize/index.ts";
import { fixtureNames, listItems, readFixture } from "./fixture-files.ts";
import { accepted, rejected } from "./results.ts";

const USER = "8b081ef6-4792-4def-b2c9-c363a1bf41d5";

function listedChats(name: string): ListedChat[] {
  return listItems(name).map((item) => {
    const { value, warnings } = accepted(normalizeListedChat(item, USER));
    expect(warnings).toEqual([]);
    return value;
  });
}

function singleChat(name: string): ListedChat {
  const { value, warnings } = accepted(normalizeListedChat(readFixture(name), USER));
  expect(warnings).toEqual([]);
  return value;
}

/** Every fixture file must be covered below; a new one fails this until it is. */
const COVERED = [
  "create-chat-group-with-apps.request.json",
  "create-chat-group.request.json",
  "create-chat-group.response.json",
  "create-chat-one-on-one.request.json",
  "create-chat-one-on-one.response.json",
  "get-chat-expand-last-message-preview.json",
  "get-chat-expand-members.json",
  "get-chat-group.json",
  "get-chat-meeting.json",
  "get-chat-one-on-one.json",
  "get-chat-operation.json",
  "list-chats-expand-last-message-preview.json",
  "list-chats-expand-members.json",
  "list-chats-filter-installed-app.json",
  "list-chats-orderby-last-message.json",
  "list-chats.json",
  "teams-async-operation-shape.json",
  // The simulator's chat message examples (below: every message normalizes).
  "get-all-messages-delta-last.json",
  "get-all-messages-delta.json",
  "get-all-messages.json",
  "get-chat-message.json",
  "list-chat-messages-include-unknown.json",
  "list-chat-messages.json",
].sort();

describe("Graph doc fixtures", () => {
  it.each([
    "get-all-messages-delta-last.json",
    "get-all-messages-delta.json",
    "get-all-messages.json",
    "list-chat-messages-include-unknown.json",
    "list-chat-messages.json",
  ])("%s: every message becomes a row keyed by its chat", (name) => {
    const items = (readFixture(name) as { value?: unknown[] }).value ?? [];
    const result = normalizeChatMessages(items, null);
    expect(result.rejected).toEqual([]);
    expect(result.messages.length).toBeGreaterThan(0);
    for (const m of result.messages) expect(m.message.chat_id).toMatch(/^19:/);
  });

  it("get-chat-message.json: one message with its chat id", () => {
    const { value } = accepted(normalizeChatMessage(readFixture("get-chat-message.json"), null));
    expect(value.message.message_id).toBeTruthy();
    expect(value.message.chat_id).toMatch(/^19:/);
  });

  it("covers every file in the fixture directory (test/fixtures/graph)", () => {
    expect(fixtureNames()).toEqual(COVERED);
  });

  it("list-chats.json: three chats, viewpoint from chatViewpoint, the 0001 read time as null", () => {
    const chats = listedChats("list-chats.json");
    expect(chats.map((c) => [c.chat.chat_id, c.chat.chat_type, c.chat.topic])).toEqual([
      [
        "19:meeting_MjdhNjM4YzUtYzExZi00OTFkLTkzZTAtNTVlNmZmMDhkNGU2@thread.v2",
        "meeting",
        "Meeting chat sample",
      ],
      ["19:561082c0f3f847a58069deb8eb300807@thread.v2", "group", "Group chat sample"],
      [
        "19:d74fc2ed-cb0e-4288-a219-b5c71abaf2aa_8c0a1a67-50ce-4114-bb6c-da9c5dbcf6ca@unq.gbl.spaces",
        "oneOnOne",
        null,
      ],
    ]);
    const chatId =
      "19:d74fc2ed-cb0e-4288-a219-b5c71abaf2aa_8c0a1a67-50ce-4114-bb6c-da9c5dbcf6ca@unq.gbl.spaces";
    const webUrl =
      "https://teams.microsoft.com/l/chat/19%3Ad74fc2ed-cb0e-4288-a219-b5c71abaf2aa_8c0a1a67-50ce-4114-bb6c-da9c5dbcf6ca@unq.gbl.spaces/0?tenantId=b33cbe9f-8ebe-4f2a-912b-7e2a427f477f";
    expect(chats[2]).toEqual({
      chat: {
        chat_id: chatId,
        tenant_id: null,
        chat_type: "oneOnOne",
        topic: null,
        web_url: webUrl,
        created_at: "2020-12-04T23:10:28.51Z",
        last_updated_at: "2020-12-04T23:10:36.925Z",
        last_updated_raw: "2020-12-04T23:10:36.925Z",
        is_hidden_for_all_members: false,
        migration_mode: null,
        original_created_at: null,
        meeting_join_url: null,
        meeting_calendar_event_id: null,
        meeting_organizer_id: null,
        last_message_id: null,
        last_message_at: null,
        raw: {
          id: chatId,
          topic: null,
          createdDateTime: "2020-12-04T23:10:28.51Z",
          lastUpdatedDateTime: "2020-12-04T23:10:36.925Z",
          chatType: "oneOnOne",
          webUrl,
          isHiddenForAllMembers: false,
        },
      },
      viewpoint: { user_id: USER, chat_id: chatId, is_hidden: false, last_message_read_at: null },
      members: null,
      membersMayBeTruncated: false,
      preview: null,
    });
    expect(chats[1]?.viewpoint?.last_message_read_at).toBe("2021-05-27T22:13:01.577Z");
  });

  it("list-chats-expand-members.json: members keyed by chat, repeated ids and shared userIds kept", () => {
    const chats = listedChats("list-chats-expand-members.json");
    expect(chats.map((c) => c.members?.length)).toEqual([3, 5, 2]);
    expect(chats.map((c) => c.membersMayBeTruncated)).toEqual([false, false, false]);
    const meetingId = "19:meeting_MjdhNjM4YzUtYzExZi00OTFkLTkzZTAtNTVlNmZmMDhkNGU2@thread.v2";
    expect(chats[0]?.members?.[0]).toEqual({
      chat_id: meetingId,
      membership_id:
        "MmFiOWM3OTYtMjkwMi00NWY4LWI3MTItN2M1YTYzY2Y0MWM0IyNlZWY5Y2IzNi0wNmRlLTQ2OWItODdjZC03MGY0Y2JlMzJkM123=",
      member_type: "aadUserConversationMember",
      user_id: "4595d2f2-7b31-446c-84fd-9b795e63114b",
      display_name: "Tony Stark",
      email: "starkt@contoso.com",
      tenant_id: null,
      roles: [],
      visible_history_start_at: null,
      raw: {
        "@odata.type": "#microsoft.graph.aadUserConversationMember",
        id: "MmFiOWM3OTYtMjkwMi00NWY4LWI3MTItN2M1YTYzY2Y0MWM0IyNlZWY5Y2IzNi0wNmRlLTQ2OWItODdjZC03MGY0Y2JlMzJkM123=",
        roles: [],
        displayName: "Tony Stark",
        userId: "4595d2f2-7b31-446c-84fd-9b795e63114b",
        email: "starkt@contoso.com",
      },
    } satisfies ChatMemberRow);
    // The same membership id (Tony Stark's) in two chats: two rows, one per chat.
    const tonyId =
      "MmFiOWM3OTYtMjkwMi00NWY4LWI3MTItN2M1YTYzY2Y0MWM0IyNlZWY5Y2IzNi0wNmRlLTQ2OWItODdjZC03MGY0Y2JlMzJkM123=";
    expect(
      chats
        .flatMap((c) => c.members ?? [])
        .filter((m) => m.membership_id === tonyId)
        .map((m) => m.chat_id),
    ).toEqual([meetingId, "19:561082c0f3f847a58069deb8eb300807@thread.v2"]);
    // Thor and Steve share a userId (the docs sample): two memberships, both kept.
    expect(
      chats[1]?.members
        ?.filter((m) => m.user_id === "976f4b31-fd01-4e0b-9178-29cc40c14438")
        .map((m) => m.display_name),
    ).toEqual(["Thor Odinson", "Steve Rogers"]);
    expect(chats[1]?.viewpoint?.last_message_read_at).toBeNull();
    expect(chats[1]?.chat.raw).not.toHaveProperty("members");
    expect(chats[1]?.chat.raw).not.toHaveProperty("chatViewpoint");
  });

  it("list-chats-expand-last-message-preview.json: user, bot and system-event previews", () => {
    const chats = listedChats("list-chats-expand-last-message-preview.json");
    expect(chats.map((c) => c.preview)).toEqual([
      {
        chat_id:
          "19:8ea0e38b-efb3-4757-924a-5f94061cf8c2_976f4b31-fd01-4e0b-9178-29cc40c14438@unq.gbl.spaces",
        message_id: "1622853091207",
        created_at: "2021-06-05T00:31:31.207Z",
        is_deleted: false,
        message_type: "message",
        body_content_type: "text",
        body_content: "Testing unread read status",
        from_kind: "user",
        from_user_id: "8ea0e38b-efb3-4757-924a-5f94061cf8c2",
        from_application_id: null,
        from_identity_type: "aadUser",
        from_display_name: "Nick Fury",
        event_detail_type: null,
        event_detail: null,
      },
      {
        chat_id:
          "19:8ea0e38b-efb3-4757-924a-5f94061cf8c2_da7d471b-de7d-4152-8556-1cdf7a564f6c@unq.gbl.spaces",
        message_id: "1622707540293",
        created_at: "2021-06-03T08:05:40.293Z",
        is_deleted: false,
        message_type: "message",
        body_content_type: "html",
        body_content: '<attachment id="ee8d34acd36d4dfe87ca6ad4e060b7be"></attachment>',
        from_kind: "application",
        from_user_id: null,
        from_application_id: "da7d471b-de7d-4152-8556-1cdf7a564f6c",
        from_identity_type: "bot",
        from_display_name: "talla",
        event_detail_type: null,
        event_detail: null,
      },
      {
        chat_id: "19:7b5c1643d8d74a03afa0af9c02dd0ef2@thread.v2",
        message_id: "1622784857324",
        created_at: "2021-06-04T05:34:17.324Z",
        is_deleted: false,
        message_type: "systemEventMessage",
        body_content_type: "html",
        body_content: "<systemEventMessage/>",
        from_kind: null,
        from_user_id: null,
        from_application_id: null,
        from_identity_type: null,
        from_display_name: null,
        event_detail_type: "membersAddedEventMessageDetail",
        event_detail: {
          "@odata.type": "#microsoft.graph.membersAddedEventMessageDetail",
          visibleHistoryStartDateTime: null,
          members: [
            {
              id: "d9a2f9a8-6ca9-4c92-9a1c-ceca33b91762",
              displayName: null,
              userIdentityType: "aadUser",
            },
          ],
          initiator: {
            application: null,
            device: null,
            user: {
              id: "1fb8890f-423e-4154-8fbf-db6809bc8756",
              displayName: null,
              userIdentityType: "aadUser",
            },
          },
        },
      },
    ]);
    expect(chats.map((c) => [c.chat.last_message_id, c.chat.last_message_at])).toEqual([
      ["1622853091207", "2021-06-05T00:31:31.207Z"],
      ["1622707540293", "2021-06-03T08:05:40.293Z"],
      ["1622784857324", "2021-06-04T05:34:17.324Z"],
    ]);
    // Both viewpoint spellings appear in this one page.
    expect(chats.map((c) => c.viewpoint?.last_message_read_at)).toEqual([
      "2021-06-05T00:31:30.047Z",
      "2021-06-03T08:05:49.521Z",
      "2021-06-04T05:34:23.712Z",
    ]);
    expect(chats.map((c) => Object.keys(c.chat.raw))).not.toContainEqual(
      expect.arrayContaining(["lastMessagePreview"]),
    );
  });

  it("list-chats-orderby-last-message.json: per-user hidden flag from viewpoint", () => {
    const chats = listedChats("list-chats-orderby-last-message.json");
    expect(chats.map((c) => [c.viewpoint?.is_hidden, c.viewpoint?.last_message_read_at])).toEqual([
      [false, "2022-05-03T18:15:42.307Z"],
      [true, "2022-03-08T19:55:30.491Z"],
    ]);
    expect(chats.map((c) => c.chat.tenant_id)).toEqual([
      "2432b57b-0abd-43db-aa7b-16eadd115d34",
      "2432b57b-0abd-43db-aa7b-16eadd115d34",
    ]);
    expect(chats[0]?.chat.raw).toHaveProperty("onlineMeetingInfo", null);
  });

  it("list-chats-filter-installed-app.json: one chat without expansions", () => {
    const [chat] = listedChats("list-chats-filter-installed-app.json");
    expect(chat?.chat.chat_id).toBe(
      "19:e652dd92-dd63-4fcc-b5b2-2005681e8e9f_734601fc-bbcd-4a30-9092-3c89f8d788cb@unq.gbl.spaces",
    );
    expect(chat?.chat.last_updated_raw).toBe("2023-06-08T06:02:19.072Z");
    expect(chat?.members).toBeNull();
    expect(chat?.preview).toBeNull();
    expect(chat?.viewpoint?.last_message_read_at).toBe("2023-06-29T10:22:15.024Z");
  });

  it("get-chat-group.json: raw drops @odata.context and the viewpoint, keeps the rest", () => {
    const chat = singleChat("get-chat-group.json");
    const chatId = "19:b8577894a63548969c5c92bb9c80c5e1@thread.v2";
    const webUrl =
      "https://teams.microsoft.com/l/chat/19%3Ab8577894a63548969c5c92bb9c80c5e1@thread.v2/0?tenantId=b33cbe9f-8ebe-4f2a-912b-7e2a427f477f";
    expect(chat.chat.raw).toEqual({
      id: chatId,
      topic: "test group 1",
      createdDateTime: "2021-04-06T19:49:52.431Z",
      lastUpdatedDateTime: "2021-04-06T19:54:04.306Z",
      chatType: "group",
      webUrl,
      tenantId: "b33cbe9f-8ebe-4f2a-912b-7e2a427f477f",
      onlineMeetingInfo: null,
    });
    expect(chat.viewpoint).toEqual({
      user_id: USER,
      chat_id: chatId,
      is_hidden: true,
      last_message_read_at: "2021-05-06T23:55:07.191Z",
    });
    expect(chat.chat.is_hidden_for_all_members).toBeNull();
  });

  it("get-chat-one-on-one.json: a two-digit fraction kept as sent", () => {
    const chat = singleChat("get-chat-one-on-one.json");
    expect(chat.chat.topic).toBeNull();
    expect(chat.chat.chat_type).toBe("oneOnOne");
    expect(chat.viewpoint?.last_message_read_at).toBe("2021-07-06T22:26:27.98Z");
  });

  it("get-chat-meeting.json: onlineMeetingInfo fills the meeting columns", () => {
    const chat = singleChat("get-chat-meeting.json");
    expect(chat.chat).toMatchObject({
      chat_type: "meeting",
      tenant_id: "2432b57b-0abd-43db-aa7b-16eadd115d35",
      meeting_join_url:
        "https://teams.microsoft.com/l/meetup-join/19%3Ameeting_YDZlYTYxOWUtYzdlMi00ZmMxLWIxMTAtN2YzODZlZjAxYzI4%40thread.v2/0?context=%7b%22Tid%22%3a%222432b57b-0abd-43db-aa7b-16eadd115d34%22%2c%22Oid%22%3a%22bfb5bb25-3a8d-487d-9828-7875ced51a30%22%7d",
      meeting_calendar_event_id:
        "AAMkADAzMjNhY2NiLWVmNDItNDVjYS05MnFjLTExY2U0ZWMyZTNmZQBGAAAAAAARDMODhhR0TZRGWo9nN0NcBwAmvYmLhDvYR6hCFdQLgxR-AAAAAAENAAAmvYmLhDvYR6hCFdQLgxR-AABkrglJAAA=",
      meeting_organizer_id: "bfb5bb25-3a8d-487d-9828-7875ced51a30",
    });
    // onlineMeetingInfo is part of the chat, so raw keeps it whole.
    expect(chat.chat.raw.onlineMeetingInfo).toEqual(
      (readFixture("get-chat-meeting.json") as { onlineMeetingInfo: unknown }).onlineMeetingInfo,
    );
  });

  it("get-chat-expand-members.json: five owners, the 0001 history start as null", () => {
    const chat = singleChat("get-chat-expand-members.json");
    expect(
      chat.members?.map((m) => [m.display_name, m.email, m.roles, m.visible_history_start_at]),
    ).toEqual([
      ["John Doe", "john@contoso.onmicrosoft.com", ["owner"], null],
      ["Test User 1", "testuser1@contoso.onmicrosoft.com", ["owner"], null],
      ["Test User 2", "testuser2@contoso.onmicrosoft.com", ["owner"], null],
      ["Test User 3", "testuser3@contoso.onmicrosoft.com", ["owner"], null],
      ["Test User 4", "testuser4@contoso.onmicrosoft.com", ["owner"], "2021-04-20T17:13:43.715Z"],
    ]);
    expect(chat.members?.every((m) => m.tenant_id === "b33cbe9f-8ebe-4f2a-912b-7e2a427f477f")).toBe(
      true,
    );
    expect(chat.membersMayBeTruncated).toBe(false);
    expect(Object.keys(chat.chat.raw)).not.toContain("members");
  });

  it("get-chat-expand-last-message-preview.json: system event, annotation of the expansion dropped", () => {
    const chat = singleChat("get-chat-expand-last-message-preview.json");
    expect(Object.keys(chat.chat.raw).sort()).toEqual([
      "chatType",
      "createdDateTime",
      "id",
      "lastUpdatedDateTime",
      "onlineMeetingInfo",
      "tenantId",
      "topic",
      "webUrl",
    ]);
    expect(chat.preview).toMatchObject({
      message_id: "1662678714353",
      message_type: "systemEventMessage",
      from_kind: null,
      event_detail_type: "membersAddedEventMessageDetail",
    });
    expect(chat.preview?.event_detail?.visibleHistoryStartDateTime).toBeNull();
    expect(chat.chat.last_message_at).toBe("2022-09-08T23:11:54.353Z");
    expect(chat.viewpoint?.is_hidden).toBe(true);
  });

  it.each([
    [
      "create-chat-group.response.json",
      "19:1c5b01696d2e4a179c292bc9cf04e63b@thread.v2",
      "group",
      "Group chat title",
      "2020-12-04T23:11:16.175Z",
    ],
    [
      "create-chat-one-on-one.response.json",
      "19:82fe7758-5bb3-4f0d-a43f-e555fd399c6f_8c0a1a67-50ce-4114-bb6c-da9c5dbcf6ca@unq.gbl.spaces",
      "oneOnOne",
      null,
      "2020-12-04T23:10:28.51Z",
    ],
  ])("%s: a created chat without viewpoint or expansions", (name, id, type, topic, created) => {
    const chat = singleChat(name);
    expect(chat).toMatchObject({
      chat: { chat_id: id, chat_type: type, topic, created_at: created, last_updated_raw: created },
      viewpoint: null,
      members: null,
      membersMayBeTruncated: false,
      preview: null,
    });
    expect(chat.chat.raw).not.toHaveProperty("@odata.context");
  });

  it.each([
    "create-chat-group.request.json",
    "create-chat-group-with-apps.request.json",
    "create-chat-one-on-one.request.json",
  ])("%s: a request body has no id, so it and its members are rejected with their JSON", (name) => {
    const body = readFixture(name);
    const chat = rejected(normalizeListedChat(body, USER));
    expect(chat).toEqual({ kind: "chat", context: USER, reason: "missing id", raw: body });
    const members = normalizeMembers((body as { members: unknown[] }).members, "19:x@thread.v2");
    expect(members.members).toEqual([]);
    expect(members.rejected.map((r) => r.reason)).toEqual(
      (body as { members: unknown[] }).members.map(() => "missing id"),
    );
  });

  it("get-chat-operation.json: 7-digit timestamps kept exactly, values kept in raw", () => {
    const json = readFixture("get-chat-operation.json");
    const { value, warnings } = accepted(
      normalizeOperation(json, "19:c253a29b5f694b55a6baad8e83510af7@thread.v2"),
    );
    expect(warnings).toEqual([]);
    const { ["@odata.context"]: _context, ...withoutContext } = json as Record<string, unknown>;
    expect(value).toEqual({
      operation_id:
        "2432b57b-0abd-43db-aa7b-16eadd115d34-e88ae9aa-887e-4972-ac3e-bd578e38232e-cf58835e-43f0-4fc1-825e-5de55630e7e4",
      chat_id: "19:c253a29b5f694b55a6baad8e83510af7@thread.v2",
      operation_type: "createChat",
      status: "succeeded",
      created_at: "2021-05-27T21:23:41.9085453Z",
      last_action_at: "2021-05-27T21:23:45.1899277Z",
      attempts_count: 1,
      target_resource_id: "19:c253a29b5f694b55a6baad8e83510af7@thread.v2",
      target_resource_location: "/chats('19:c253a29b5f694b55a6baad8e83510af7@thread.v2')",
      error_code: null,
      error_message: null,
      raw: withoutContext,
    });
    expect(value.raw.values).toBe('{"appIds":["1542629c-01b3-4a6d-8f76-1938b779e48d"]}');
  });

  it("teams-async-operation-shape.json: the doc's type placeholders are not timestamps or integers", () => {
    const { value, warnings } = accepted(
      normalizeOperation(readFixture("teams-async-operation-shape.json"), "chat-1"),
    );
    expect(value).toEqual({
      operation_id: "string",
      chat_id: "chat-1",
      operation_type: "string",
      status: "string",
      created_at: null,
      last_action_at: null,
      attempts_count: null,
      target_resource_id: "string",
      target_resource_location: "string",
      error_code: null,
      error_message: null,
      raw: readFixture("teams-async-operation-shape.json"),
    });
    expect(warnings).toEqual([
      'createdDateTime: expected a timestamp, got a string ("string (timestamp)"); stored as null',
      'lastActionDateTime: expected a timestamp, got a string ("string (timestamp)"); stored as null',
      "attemptsCount: expected a 32-bit integer, got a string; stored as null",
    ]);
  });
});
