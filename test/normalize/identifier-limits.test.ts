/**
 * Identifiers longer than Graph ever sends (over MAX_ID_LENGTH characters) or that would
 * change a URL's meaning (`.`, `..`) never key a row: the item is dead-lettered with the
 * reason. Other id-like fields that long are stored as null with a warning.
 */
import { describe, expect, it } from "vitest";
import {
  MAX_ID_LENGTH,
  normalizeListedChat,
  normalizeMember,
  normalizePreview,
} from "../../src/normalize/index.ts";

const LONG = "x".repeat(10_000);
const USER = "user-1";

function chat(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "19:abc@thread.v2",
    chatType: "group",
    tenantId: "tenant-1",
    lastUpdatedDateTime: "2024-06-03T09:00:00.1234567Z",
    ...overrides,
  };
}

const member = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  "@odata.type": "#microsoft.graph.aadUserConversationMember",
  id: "MCMjMSMj",
  userId: "8b081ef6-4792-4def-b2c9-c363a1bf41d5",
  tenantId: "tenant-1",
  roles: [],
  displayName: "A",
  ...overrides,
});

describe("identifier limits", () => {
  it.each([
    ["a 10,000-character id", LONG, /10000 characters long, longer than any Graph id/],
    ["the dot segment '.'", ".", /not a Graph id/],
    ["the dot segment '..'", "..", /not a Graph id/],
  ])("rejects a chat whose id is %s", (_what, id, reason) => {
    const result = normalizeListedChat(chat({ id }), USER);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.rejected).toMatchObject({ kind: "chat", context: USER });
    expect(result.rejected.reason).toMatch(reason);
  });

  it("keeps an id of exactly the limit", () => {
    const id = "y".repeat(MAX_ID_LENGTH);
    const result = normalizeListedChat(chat({ id }), USER);
    expect(result.ok && result.value.chat.chat_id).toBe(id);
  });

  it("rejects a member whose userId is longer than any Graph id, and keeps the chat's other members", () => {
    const result = normalizeListedChat(
      chat({ members: [member({ id: "bad", userId: LONG }), member({ id: "good" })] }),
      USER,
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.members?.map((m) => m.membership_id)).toEqual(["good"]);
    expect(result.warnings.join("\n")).toMatch(/userId is 10000 characters long/);

    const alone = normalizeMember(member({ userId: LONG }), "19:abc@thread.v2");
    expect(alone.ok).toBe(false);
    if (!alone.ok) expect(alone.rejected.reason).toMatch(/userId is 10000 characters long/);
  });

  it("stores other id fields that long as null with a warning (raw keeps what Graph sent)", () => {
    const result = normalizeListedChat(chat({ tenantId: LONG }), USER);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.chat.tenant_id).toBeNull();
    expect(result.value.chat.raw.tenantId).toBe(LONG);
    expect(result.warnings.join("\n")).toMatch(/tenantId: 10000 characters/);

    const preview = normalizePreview(
      {
        id: "1700000000000",
        createdDateTime: "2024-06-03T09:00:00Z",
        messageType: "message",
        from: { user: { id: LONG, displayName: "A", userIdentityType: "aadUser" } },
        body: { contentType: "text", content: "hi" },
      },
      "19:abc@thread.v2",
    );
    expect(preview.ok && preview.value.from_user_id).toBeNull();
  });
});
