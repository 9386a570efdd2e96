import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  isGraphTimestamp,
  normalizeListedChat,
  normalizeMember,
  normalizeMembers,
  normalizeOperation,
  normalizePreview,
  normalizeUser,
  unusableIdReason,
  type Normalized,
} from "../../src/normalize/index.ts";

/** Any UTF-16 code unit, so NUL and lone surrogates turn up. */
const codeUnit = fc.nat(0xffff).map((c) => String.fromCharCode(c));
const anyString = fc.oneof(fc.string(), fc.string({ unit: codeUnit }));
const json = fc.jsonValue({ stringUnit: codeUnit, maxDepth: 4 });
const anyValue = fc.oneof(json, fc.anything({ stringUnit: codeUnit, maxDepth: 3 }));
const timestampish = fc.oneof(
  fc.constantFrom("0001-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "2021-05-27T21:23:41.9085453Z"),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  anyString,
  anyValue,
);

const identity = fc.record(
  { id: fc.oneof(anyString, anyValue), displayName: anyValue, userIdentityType: anyValue },
  { requiredKeys: [] },
);
const memberShaped = fc.record(
  {
    "@odata.type": fc.oneof(fc.constant("#microsoft.graph.aadUserConversationMember"), anyValue),
    id: fc.oneof(anyString, anyValue),
    roles: fc.oneof(fc.array(fc.oneof(anyString, anyValue)), anyValue),
    displayName: anyValue,
    userId: anyValue,
    email: fc.oneof(fc.emailAddress(), anyValue),
    tenantId: anyValue,
    visibleHistoryStartDateTime: timestampish,
  },
  { requiredKeys: [] },
);
const previewShaped = fc.record(
  {
    id: fc.oneof(anyString, anyValue),
    createdDateTime: timestampish,
    isDeleted: anyValue,
    messageType: anyValue,
    body: fc.oneof(fc.record({ contentType: anyValue, content: anyValue }), anyValue),
    from: fc.oneof(
      fc.record({ user: identity, application: identity, device: identity }),
      anyValue,
    ),
    eventDetail: fc.oneof(fc.record({ "@odata.type": anyValue, members: anyValue }), anyValue),
  },
  { requiredKeys: [] },
);
const viewpointShaped = fc.oneof(
  fc.record({ isHidden: anyValue, lastMessageReadDateTime: timestampish }, { requiredKeys: [] }),
  anyValue,
);
const chatShaped = fc.record(
  {
    id: fc.oneof(anyString, anyValue),
    topic: anyValue,
    createdDateTime: timestampish,
    lastUpdatedDateTime: timestampish,
    chatType: anyValue,
    webUrl: anyValue,
    tenantId: anyValue,
    isHiddenForAllMembers: anyValue,
    onlineMeetingInfo: fc.oneof(
      fc.record({ joinWebUrl: anyValue, calendarEventId: anyValue, organizer: identity }),
      anyValue,
    ),
    viewpoint: viewpointShaped,
    chatViewpoint: viewpointShaped,
    members: fc.oneof(fc.array(memberShaped, { maxLength: 30 }), anyValue),
    lastMessagePreview: fc.oneof(previewShaped, anyValue),
  },
  { requiredKeys: [] },
);
const options = fc.record({ includeMessageBodies: fc.boolean(), hashEmails: fc.boolean() });

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What every result must be: ok with warnings, or a rejection; storable strings only. */
function expectWellFormed(result: Normalized<unknown>, input: unknown): void {
  if (result.ok) {
    expect(Array.isArray(result.warnings)).toBe(true);
  } else {
    expect(typeof result.rejected.reason).toBe("string");
    expect(result.rejected.reason).not.toBe("");
  }
  const text = JSON.stringify(result);
  expect(text).not.toContain("\\u0000");
  expect(LONE_SURROGATE.test(text)).toBe(false);
  // Acceptance is decided by the key alone: a non-empty string that can be an id (not
  // longer than any Graph id, not a dot segment).
  const keyable =
    typeof input === "object" &&
    input !== null &&
    !Array.isArray(input) &&
    typeof (input as { id?: unknown }).id === "string" &&
    (input as { id: string }).id !== "" &&
    unusableIdReason((input as { id: string }).id) === null;
  expect(result.ok).toBe(keyable);
}

describe("normalizers never throw", () => {
  it("for arbitrary JSON, in every normalizer", () => {
    fc.assert(
      fc.property(json, options, (input, opts) => {
        expectWellFormed(normalizeListedChat(input, "u", opts), input);
        expectWellFormed(normalizeMember(input, "c", opts), input);
        expectWellFormed(normalizePreview(input, "c", opts), input);
        expectWellFormed(normalizeOperation(input, "c"), input);
        expectWellFormed(normalizeUser(input, opts), input);
        expect(() => normalizeMembers(input, "c", opts)).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });

  it("for chat-shaped objects with arbitrary field values", () => {
    fc.assert(
      fc.property(chatShaped, options, (input, opts) => {
        const result = normalizeListedChat(input, "u", opts);
        expectWellFormed(result, input);
        if (!result.ok) return;
        const { chat, viewpoint, members, preview } = result.value;
        for (const key of ["members", "lastMessagePreview", "viewpoint", "chatViewpoint"]) {
          expect(chat.raw).not.toHaveProperty(key);
        }
        const stamps = [
          chat.created_at,
          chat.last_updated_at,
          chat.last_updated_raw,
          viewpoint?.last_message_read_at,
          preview?.created_at,
          ...(members ?? []).map((m) => m.visible_history_start_at),
        ];
        for (const stamp of stamps) {
          if (typeof stamp === "string") expect(isGraphTimestamp(stamp)).toBe(true);
        }
        const ids = (members ?? []).map((m) => m.membership_id);
        expect(new Set(ids).size).toBe(ids.length);
        if (!opts.includeMessageBodies) expect(preview?.body_content ?? null).toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it("for member-shaped objects, never leaving a clear email when hashing", () => {
    fc.assert(
      fc.property(memberShaped, (input) => {
        const result = normalizeMember(input, "c", { hashEmails: true });
        expectWellFormed(result, input);
        const email = (input as { email?: unknown }).email;
        if (typeof email === "string" && email.includes("@")) {
          expect(JSON.stringify(result).toLowerCase()).not.toContain(
            JSON.stringify(email.toLowerCase()).slice(1, -1),
          );
        }
      }),
      { numRuns: 300 },
    );
  });
});
