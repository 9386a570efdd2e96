import { describe, expect, it } from "vitest";
import {
  MAX_ID_LENGTH,
  normalizeChatMessage,
  normalizeChatMessages,
  type ChatMessageRow,
  type JsonObject,
} from "../../src/normalize/index.ts";
import { messageFixture, messagePage } from "./message-fixtures.ts";
import { accepted, rejected } from "./results.ts";

const GROUP = "19:5c1e7a0b2f4d4e3a9b8c7d6e5f4a3b2c@thread.v2";
const ADA = "3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c";

describe("normalizeChatMessage: List messages in a chat (doc example)", () => {
  const [text, image, renamed] = messagePage("list-messages.json").map((item) =>
    accepted(normalizeChatMessage(item, GROUP)),
  );

  it("reads a text message into every chat_messages column", () => {
    expect(text!.warnings).toEqual([]);
    expect(text!.value.message).toEqual<ChatMessageRow>({
      chat_id: GROUP,
      message_id: "1700000300123",
      message_type: "message",
      created_at: "2023-11-14T22:18:20.123Z",
      last_modified_at: "2023-11-14T22:18:20.123Z",
      last_modified_raw: "2023-11-14T22:18:20.123Z",
      last_edited_at: null,
      deleted_at: null,
      subject: null,
      importance: "normal",
      etag: "1700000300123",
      web_url: null,
      from_kind: "user",
      from_user_id: ADA,
      from_application_id: null,
      from_display_name: "Ada Okafor",
      from_identity_type: "aadUser",
      body_content_type: "text",
      body_content: "Good morning team",
      body_text: "Good morning team",
      event_detail_type: null,
      event_detail: null,
      policy_violation: null,
      raw: messagePage("list-messages.json")[0] as JsonObject,
    });
    expect(text!.value).toMatchObject({ mentions: [], reactions: [], attachments: [] });
  });

  it("turns an HTML body holding only an inline image into empty text", () => {
    expect(image!.value.message.body_content).toMatch(/^<div><div><div><span><img /);
    expect(image!.value.message.body_text).toBe("");
  });

  it("keeps a system event read without the Prefer header: unknownFutureValue, no sender, its event detail", () => {
    const row = renamed!.value.message;
    expect(row).toMatchObject({
      message_type: "unknownFutureValue",
      from_kind: null,
      from_user_id: null,
      event_detail_type: "chatRenamedEventMessageDetail",
      body_text: "",
    });
    expect(row.event_detail).toMatchObject({ chatDisplayName: "Quarterly planning" });
    // The doc's example itself carries a timestamp without its "T": null, with a warning.
    expect(row.created_at).toBeNull();
    expect(row.last_modified_raw).toBeNull();
    expect(renamed!.warnings).toEqual([
      'lastModifiedDateTime: expected a timestamp, got a string ("2023-11-1416:40:00.789Z"); stored as null',
      'createdDateTime: expected a timestamp, got a string ("2023-11-1416:40:00.789Z"); stored as null',
    ]);
  });
});

describe("normalizeChatMessage: Get chatMessage (doc examples)", () => {
  it("reads reactions with the reaction's own display name and custom reactions' content URL", () => {
    const { value, warnings } = accepted(
      normalizeChatMessage(messageFixture("get-message-custom-reactions.json"), null),
    );
    expect(warnings).toEqual([]);
    expect(value.message).toMatchObject({
      chat_id: "19:d41e2f3a4b5c4d6e8f9a0b1c2d3e4f5a@thread.v2",
      etag: "1707900000200",
      last_modified_raw: "2024-02-14T08:40:00.2Z",
      body_text: "Shipping it 🚀party_parrot",
    });
    expect(value.reactions).toEqual([
      {
        chat_id: "19:d41e2f3a4b5c4d6e8f9a0b1c2d3e4f5a@thread.v2",
        message_id: "1706700000100",
        user_id: "c9d8e7f6-a5b4-4c3d-9e2f-1a0b9c8d7e6f",
        reaction_type: "🎉",
        display_name: "Party popper",
        created_at: "2024-02-14T08:40:00.2Z",
        reaction_content_url: null,
      },
      expect.objectContaining({
        user_id: "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b",
        reaction_type: "custom",
        display_name: "party_parrot",
        reaction_content_url: expect.stringMatching(/hostedContents\/.+\/\$value$/),
      }),
      expect.objectContaining({ reaction_type: "like", display_name: null }),
    ]);
  });

  it("reads a mention of the whole chat as a conversation mention; response annotations stay out of raw", () => {
    const item = messageFixture("get-message-mention-everyone.json");
    const { value } = accepted(normalizeChatMessage(item, null));
    expect(value.mentions).toEqual([
      {
        chat_id: "19:9a8b7c6d5e4f4a3b2c1d0e9f8a7b6c5d@thread.v2",
        message_id: "1727900000555",
        mention_id: 0,
        mention_text: "Everyone",
        mentioned_kind: "conversation",
        mentioned_id: "19:9a8b7c6d5e4f4a3b2c1d0e9f8a7b6c5d@thread.v2",
        mentioned_display_name: "Everyone",
      },
    ]);
    expect(value.message.body_text).toBe("Standup moved to 10 Everyone");
    expect(value.message.importance).toBe("high");
    expect(Object.keys(value.message.raw).filter((k) => k.startsWith("@"))).toEqual([]);
  });

  it("gives the same row for a message read by list and by get (annotations differ)", () => {
    const [item] = messagePage("list-messages.json");
    const got = { "@odata.context": "https://x/$metadata#chats('a')/messages/$entity", ...item };
    const tipped = { ...got, "@microsoft.graph.tips": "Use $select" };
    const listed = accepted(normalizeChatMessage(item, GROUP)).value;
    expect(accepted(normalizeChatMessage(got, GROUP)).value).toEqual(listed);
    expect(accepted(normalizeChatMessage(tipped, GROUP)).value).toEqual(listed);
  });

  it("reads user and application mentions, file and card attachments, an edit with 7 fractional digits", () => {
    const { value, warnings } = accepted(
      normalizeChatMessage(messageFixture("get-message-mentions-and-files.json"), GROUP),
    );
    expect(warnings).toEqual([]);
    expect(value.message).toMatchObject({
      subject: "Release notes",
      importance: "urgent",
      last_modified_raw: "2023-11-14T22:21:40.0000001Z",
      last_edited_at: "2023-11-14T22:21:40.0000001Z",
      body_text: "Bea Lindqvist please review, and Release Bot will publish.\nNotes: Q&A <draft>",
    });
    expect(value.mentions.map((m) => [m.mention_id, m.mentioned_kind, m.mentioned_id])).toEqual([
      [0, "user", "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"],
      [1, "application", "2d4f6a8c-1b3d-4e5f-9a7c-8e6d4c2b0a19"],
    ]);
    expect(value.attachments).toEqual([
      {
        chat_id: GROUP,
        message_id: "1700000400000",
        attachment_id: "b7e1c0de-0000-4000-8000-000000000001",
        content_type: "reference",
        content_url:
          "https://contoso.sharepoint.com/sites/eng/Shared%20Documents/release-notes.docx",
        name: "release-notes.docx",
        thumbnail_url: null,
        teams_app_id: null,
        content: null,
      },
      expect.objectContaining({
        attachment_id: "card-1",
        content_type: "application/vnd.microsoft.card.adaptive",
        teams_app_id: "2d4f6a8c-1b3d-4e5f-9a7c-8e6d4c2b0a19",
        content: expect.stringContaining('"type":"AdaptiveCard"'),
      }),
    ]);
  });

  it("keeps a forwarded message as an attachment with its content", () => {
    const { value } = accepted(
      normalizeChatMessage(messageFixture("get-message-forwarded.json"), null),
    );
    expect(value.message.body_text).toBe("");
    expect(value.attachments).toHaveLength(1);
    expect(value.attachments[0]).toMatchObject({
      content_type: "forwardedMessageReference",
      content: expect.stringContaining("see you at 5"),
    });
  });

  it("reads a deleted message: deleted_at, the empty body and no sender", () => {
    const { value, warnings } = accepted(
      normalizeChatMessage(messageFixture("get-message-deleted.json"), GROUP),
    );
    expect(warnings).toEqual([]);
    expect(value.message).toMatchObject({
      deleted_at: "2023-11-16T02:06:40Z",
      from_kind: null,
      from_user_id: null,
      body_content: "",
      body_text: "",
      etag: "1700100000000",
    });
  });

  it("reads system events (members added, call ended), a bot sender and a DLP verdict", () => {
    const [added, call, bot] = messagePage("list-messages-system-events.json").map(
      (item) => accepted(normalizeChatMessage(item, GROUP)).value.message,
    );
    expect(added!.message_type).toBe("systemEventMessage");
    expect(added!.event_detail_type).toBe("membersAddedEventMessageDetail");
    // The "never" sentinel inside an event detail is null, as in every timestamp column.
    expect(added!.event_detail).toMatchObject({ visibleHistoryStartDateTime: null });
    expect(added!.created_at).toBe("2023-11-14T13:53:20.0010000Z");
    expect(call!.event_detail_type).toBe("callEndedEventMessageDetail");
    expect(call!.event_detail).toMatchObject({ callDuration: "PT12M3S" });
    expect(bot).toMatchObject({
      from_kind: "application",
      from_application_id: "2d4f6a8c-1b3d-4e5f-9a7c-8e6d4c2b0a19",
      from_identity_type: "bot",
      from_display_name: "Release Bot",
    });
    expect(bot!.policy_violation).toMatchObject({ dlpAction: "NotifySender" });
  });
});

describe("normalizeChatMessages: getAllMessages", () => {
  it("keys each message by its own chatId: one id in two chats is two messages, a chat's copy per member is one", () => {
    const { messages, warnings, rejected } = normalizeChatMessages(
      messagePage("get-all-messages.json"),
      null,
    );
    expect(rejected).toEqual([]);
    expect(warnings).toEqual([]);
    expect(messages.map((m) => [m.message.chat_id.slice(0, 12), m.message.message_id])).toEqual([
      ["19:3f2a1b0c-", "1700000000001"],
      ["19:5c1e7a0b2", "1700000000001"],
      ["19:3f2a1b0c-", "1700000060002"],
    ]);
  });

  it("keeps the newest copy of a message, in the position first seen", () => {
    const [first, ...rest] = messagePage("get-all-messages.json");
    const edited = {
      ...first,
      lastModifiedDateTime: "2023-11-15T00:00:00Z",
      body: { contentType: "text", content: "lunch at 1?" },
    };
    const { messages, warnings } = normalizeChatMessages([first, ...rest, edited], null);
    expect(warnings).toEqual([]);
    expect(messages[0]!.message.body_text).toBe("lunch at 1?");
    expect(messages).toHaveLength(3);
  });

  it("warns when two copies of one version differ, keeping the first", () => {
    const [first] = messagePage("get-all-messages.json");
    const other = { ...first, subject: "different" };
    const { messages, warnings } = normalizeChatMessages([first, other], null);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.message.subject).toBeNull();
    expect(warnings).toEqual(["[1]: same message as [0] with different content; kept [0]"]);
  });

  it("dead-letters a list that is not an array, and items that cannot be keyed", () => {
    expect(normalizeChatMessages({ value: [] }, GROUP).rejected).toEqual([
      expect.objectContaining({ kind: "message", reason: "message list is not an array" }),
    ]);
    const {
      messages,
      rejected: dead,
      warnings,
    } = normalizeChatMessages([{ id: "1" }, { body: { content: "no id" } }, 7], GROUP);
    expect(messages).toHaveLength(1);
    expect(dead.map((r) => r.reason)).toEqual([
      "missing id",
      "item is not an object (got a number (7))",
    ]);
    expect(warnings).toContain("[1]: message rejected (missing id); left out");
  });
});

describe("normalizeChatMessage: which chat keys the message", () => {
  const item = { id: "42", chatId: "19:other@thread.v2", messageType: "message" };

  it("uses the caller's chat and warns when the item's chatId differs", () => {
    const { value, warnings } = accepted(normalizeChatMessage(item, GROUP));
    expect(value.message.chat_id).toBe(GROUP);
    expect(value.message.raw["chatId"]).toBe("19:other@thread.v2");
    expect(warnings).toEqual([
      "chatId: differs from the chat it was read from; keyed by the latter",
    ]);
  });

  it("uses the item's chatId without a caller's chat, and agrees silently when both match", () => {
    expect(accepted(normalizeChatMessage(item, null)).value.message.chat_id).toBe(
      "19:other@thread.v2",
    );
    expect(accepted(normalizeChatMessage(item, "19:other@thread.v2")).warnings).toEqual([]);
  });

  it("dead-letters a message without any chat id, or with an unusable one", () => {
    const none = rejected(normalizeChatMessage({ id: "42" }, null));
    expect(none).toMatchObject({ kind: "message", context: "(no chat id)" });
    expect(none.reason).toMatch(/no chat id/);
    const long = rejected(normalizeChatMessage({ id: "42", chatId: "x".repeat(1001) }, null));
    expect(long.reason).toMatch(/longer than any Graph id/);
    expect(rejected(normalizeChatMessage({ id: "42", chatId: ".." }, null)).reason).toMatch(
      /dot path segment/,
    );
  });

  it("dead-letters ids over MAX_ID_LENGTH and dot segments, naming the chat", () => {
    const long = rejected(normalizeChatMessage({ id: "1".repeat(MAX_ID_LENGTH + 1) }, GROUP));
    expect(long).toMatchObject({ kind: "message", context: GROUP });
    expect(rejected(normalizeChatMessage({ id: "." }, GROUP)).reason).toMatch(/dot path/);
  });
});

describe("normalizeChatMessage: bad fields degrade, parts that cannot be keyed are left out", () => {
  it("stores fields of the wrong type as null with a warning", () => {
    const { value, warnings } = accepted(
      normalizeChatMessage(
        {
          id: "1",
          messageType: 5,
          etag: {},
          importance: ["high"],
          body: "hello",
          from: { user: "someone" },
          policyViolation: "strict",
          eventDetail: { chatDisplayName: "x" },
          mentions: {},
        },
        GROUP,
      ),
    );
    expect(value.message).toMatchObject({
      message_type: null,
      etag: null,
      importance: null,
      body_content: null,
      body_text: null,
      from_kind: null,
      policy_violation: null,
      event_detail_type: null,
      event_detail: { chatDisplayName: "x" },
    });
    expect(value.mentions).toEqual([]);
    expect(warnings).toEqual([
      "body: expected an object, got a string; stored as null",
      "messageType: expected a string, got a number (5); stored as null",
      "importance: expected a string, got an array; stored as null",
      "etag: expected a string, got an object; stored as null",
      "from.user: expected an object, got a string; ignored",
      "eventDetail: no @odata.type string; event_detail_type stored as null",
      "policyViolation: expected an object, got a string; stored as null",
      "mentions: expected an array, got an object; stored as []",
    ]);
  });

  it("keeps unknown enum values as sent and strips the @odata.type prefix of event details", () => {
    const { value } = accepted(
      normalizeChatMessage(
        {
          id: "1",
          messageType: "holographicMessage",
          importance: "critical",
          body: { contentType: "markdown", content: "**hi**" },
          eventDetail: { "@odata.type": "#microsoft.graph.futureEventMessageDetail" },
        },
        GROUP,
      ),
    );
    expect(value.message).toMatchObject({
      message_type: "holographicMessage",
      importance: "critical",
      body_content_type: "markdown",
      // Only HTML is parsed; any other content type is text already.
      body_text: "**hi**",
      event_detail_type: "futureEventMessageDetail",
    });
  });

  it("de-duplicates mentions by id and reactions by user and type, with warnings", () => {
    const user = (id: string) => ({ user: { id, displayName: null } });
    const { value, warnings } = accepted(
      normalizeChatMessage(
        {
          id: "1",
          mentions: [
            { id: 0, mentionText: "A", mentioned: user("u-a") },
            { id: 0, mentionText: "A again", mentioned: user("u-a") },
            { id: "1", mentionText: "string id" },
            { id: 2.5, mentionText: "not an integer" },
            { id: 3, mentionText: "nobody", mentioned: null },
          ],
          reactions: [
            { reactionType: "like", user: user("u-a") },
            { reactionType: "like", user: user("u-a") },
            { reactionType: "heart", user: user("u-a") },
            { reactionType: "like", user: user("u-b") },
            { reactionType: "like", user: { application: { id: "bot" } } },
            { reactionType: "like" },
            { user: user("u-c") },
            "like",
          ],
        },
        GROUP,
      ),
    );
    expect(value.mentions.map((m) => [m.mention_id, m.mention_text, m.mentioned_kind])).toEqual([
      [0, "A", "user"],
      [3, "nobody", null],
    ]);
    expect(value.reactions.map((r) => [r.user_id, r.reaction_type])).toEqual([
      ["u-a", "like"],
      ["u-a", "heart"],
      ["u-b", "like"],
    ]);
    expect(warnings).toEqual([
      "mentions[1]: same mention id as mentions[0]; kept mentions[0]",
      "mentions[2].id: expected a 32-bit integer, got a string; stored as null",
      "mentions[2]: mention without an integer id; left out",
      "mentions[3].id: expected a 32-bit integer, got a number (2.5); stored as null",
      "mentions[3]: mention without an integer id; left out",
      "reactions[1]: same user and reactionType as reactions[0]; kept reactions[0]",
      "reactions[4]: reaction without a user id; left out",
      "reactions[5]: reaction without a user id; left out",
      "reactions[6]: reaction without a reactionType; left out",
      "reactions[7]: expected an object, got a string; left out",
    ]);
  });

  it("leaves out attachments without a usable id, keeping the first of a repeated id", () => {
    const { value, warnings } = accepted(
      normalizeChatMessage(
        {
          id: "1",
          attachments: [
            { id: "a", name: "first" },
            { id: "a", name: "second" },
            { name: "no id" },
            { id: "x".repeat(MAX_ID_LENGTH + 1) },
            { id: "b", content: { not: "a string" } },
          ],
        },
        GROUP,
      ),
    );
    expect(value.attachments.map((a) => [a.attachment_id, a.name, a.content])).toEqual([
      ["a", "first", null],
      ["b", null, null],
    ]);
    expect(warnings).toEqual([
      "attachments[1]: same attachment id as attachments[0]; kept attachments[0]",
      "attachments[2]: attachment without a string id; left out",
      `attachments[3]: id is ${MAX_ID_LENGTH + 1} characters long, longer than any Graph id (at most ${MAX_ID_LENGTH}); left out`,
      "attachments[4].content: expected a string, got an object; stored as null",
    ]);
  });

  it("replaces NUL and lone surrogates everywhere, body text included", () => {
    const { value, warnings } = accepted(
      normalizeChatMessage(
        { id: "1", body: { contentType: "html", content: "<p>a\u0000b &#0; \ud800</p>" } },
        GROUP,
      ),
    );
    expect(value.message.body_content).toBe("<p>a\ufffdb &#0; \ufffd</p>");
    expect(value.message.body_text).toBe("a\ufffdb \ufffd \ufffd");
    expect(warnings).toEqual([
      "body.content: NUL character replaced with U+FFFD",
      "body.content: lone UTF-16 surrogate replaced with U+FFFD",
    ]);
  });
});
