import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  isGraphTimestamp,
  normalizeChatMessage,
  normalizeChatMessages,
  sanitizeText,
  type Normalized,
  type NormalizedChatMessage,
} from "../../src/normalize/index.ts";

/** Any UTF-16 code unit, so NUL and lone surrogates turn up. */
const codeUnit = fc.nat(0xffff).map((c) => String.fromCharCode(c));
const anyString = fc.oneof(fc.string(), fc.string({ unit: codeUnit }));
const json = fc.jsonValue({ stringUnit: codeUnit, maxDepth: 4 });
const anyValue = fc.oneof(json, fc.anything({ stringUnit: codeUnit, maxDepth: 3 }));
const timestampish = fc.oneof(
  fc.constantFrom(
    "0001-01-01T00:00:00Z",
    "2021-05-27T21:23:41.9085453Z",
    "2021-03-1706:47:05.123Z",
  ),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  anyValue,
);
const html = fc.oneof(
  fc.constantFrom(
    '<p>Hi&nbsp;<at id="0">A</at></p>',
    "<div><br><img alt='x'></div><systemEventMessage/>",
    "<pre>a\n b</pre>&#0;&#xD800;&bogus;",
  ),
  fc
    .array(
      fc.oneof(anyString, fc.constantFrom("<", ">", "</", "&", ";", "<p>", "<br>", '<at id="1">')),
    )
    .map((parts) => parts.join("")),
);
const identity = fc.record(
  { id: fc.oneof(anyString, anyValue), displayName: fc.oneof(fc.emailAddress(), anyValue) },
  { requiredKeys: [] },
);
const identitySet = fc.oneof(
  fc.record(
    { user: identity, application: identity, conversation: identity, tag: identity },
    { requiredKeys: [] },
  ),
  anyValue,
);
const messageShaped = fc.record(
  {
    id: fc.oneof(fc.constantFrom("1", "2", "1700000000001"), anyString, anyValue),
    chatId: fc.oneof(fc.constantFrom("19:a@thread.v2", "19:b@thread.v2"), anyValue),
    etag: anyValue,
    messageType: anyValue,
    createdDateTime: timestampish,
    lastModifiedDateTime: timestampish,
    deletedDateTime: timestampish,
    importance: anyValue,
    from: identitySet,
    body: fc.oneof(
      fc.record({
        contentType: fc.oneof(fc.constantFrom("html", "text"), anyValue),
        content: fc.oneof(html, anyValue),
      }),
      anyValue,
    ),
    eventDetail: fc.oneof(fc.record({ "@odata.type": anyValue, members: anyValue }), anyValue),
    policyViolation: anyValue,
    mentions: fc.oneof(
      fc.array(
        fc.record(
          {
            id: fc.oneof(fc.integer({ min: 0, max: 3 }), anyValue),
            mentionText: anyValue,
            mentioned: identitySet,
          },
          { requiredKeys: [] },
        ),
        { maxLength: 6 },
      ),
      anyValue,
    ),
    reactions: fc.oneof(
      fc.array(
        fc.record(
          {
            reactionType: fc.oneof(fc.constantFrom("like", "custom", "🎉"), anyValue),
            displayName: anyValue,
            createdDateTime: timestampish,
            user: fc.oneof(fc.record({ user: identity }), anyValue),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 6 },
      ),
      anyValue,
    ),
    attachments: fc.oneof(
      fc.array(
        fc.record(
          {
            id: fc.oneof(fc.constantFrom("a", "b"), anyValue),
            content: anyValue,
            contentType: anyValue,
          },
          { requiredKeys: [] },
        ),
        { maxLength: 4 },
      ),
      anyValue,
    ),
  },
  { requiredKeys: [] },
);
const options = fc.record({ includeMessageBodies: fc.boolean(), hashEmails: fc.boolean() });
const callerChat = fc.oneof(fc.constant(null), fc.constant("19:a@thread.v2"));

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function usableId(value: unknown): boolean {
  return (
    typeof value === "string" &&
    value !== "" &&
    value.length <= 1000 &&
    value !== "." &&
    value !== ".."
  );
}

/** Rows or a reject, storable strings only, accepted exactly when keyable; keys unique. */
function expectWellFormed(
  result: Normalized<NormalizedChatMessage>,
  input: unknown,
  chatId: string | null,
  includeBodies: boolean,
): void {
  const text = JSON.stringify(result);
  expect(text).not.toContain("\\u0000");
  expect(LONE_SURROGATE.test(text)).toBe(false);
  const item =
    typeof input === "object" && input !== null && !Array.isArray(input)
      ? (input as Record<string, unknown>)
      : null;
  const keyable =
    item !== null && usableId(item["id"]) && (chatId !== null || usableId(item["chatId"]));
  expect(result.ok).toBe(keyable);
  if (!result.ok) {
    expect(result.rejected.reason).not.toBe("");
    return;
  }
  const { message, mentions, reactions, attachments } = result.value;
  // The item's chatId is sanitized like every string (NUL and lone surrogates to U+FFFD).
  expect(message.chat_id).toBe(chatId ?? sanitizeText(item!["chatId"] as string).text);
  for (const stamp of [
    message.created_at,
    message.last_modified_at,
    message.last_modified_raw,
    message.deleted_at,
    ...reactions.map((r) => r.created_at),
  ]) {
    if (stamp !== null) expect(isGraphTimestamp(stamp)).toBe(true);
  }
  const unique = (keys: string[]) => expect(new Set(keys).size).toBe(keys.length);
  unique(mentions.map((m) => String(m.mention_id)));
  unique(reactions.map((r) => JSON.stringify([r.user_id, r.reaction_type])));
  unique(attachments.map((a) => a.attachment_id));
  for (const part of [...mentions, ...reactions, ...attachments]) {
    expect([part.chat_id, part.message_id]).toEqual([message.chat_id, message.message_id]);
  }
  if (!includeBodies) {
    expect(message.body_content).toBeNull();
    expect(message.body_text).toBeNull();
    expect(attachments.every((a) => a.content === null)).toBe(true);
  }
}

describe("normalizeChatMessage never throws", () => {
  it("for arbitrary JSON", () => {
    fc.assert(
      fc.property(json, callerChat, options, (input, chatId, opts) => {
        expectWellFormed(
          normalizeChatMessage(input, chatId, opts),
          input,
          chatId,
          opts.includeMessageBodies,
        );
        expect(() => normalizeChatMessages(input, chatId, opts)).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });

  it("for message-shaped objects with arbitrary field values", () => {
    fc.assert(
      fc.property(messageShaped, callerChat, options, (input, chatId, opts) => {
        expectWellFormed(
          normalizeChatMessage(input, chatId, opts),
          input,
          chatId,
          opts.includeMessageBodies,
        );
      }),
      { numRuns: 400 },
    );
  });

  it("for pages of messages: one message per (chat, id), every item either kept, merged or dead-lettered", () => {
    fc.assert(
      fc.property(
        fc.array(messageShaped, { maxLength: 8 }),
        callerChat,
        options,
        (items, chatId, opts) => {
          const { messages, rejected } = normalizeChatMessages(items, chatId, opts);
          const keys = messages.map((m) =>
            JSON.stringify([m.message.chat_id, m.message.message_id]),
          );
          expect(new Set(keys).size).toBe(keys.length);
          expect(messages.length + rejected.length).toBeLessThanOrEqual(items.length);
          const keyable = items.filter(
            (i) => usableId(i.id) && (chatId !== null || usableId(i.chatId)),
          );
          expect(rejected.length).toBe(items.length - keyable.length);
        },
      ),
      { numRuns: 200 },
    );
  });
});
