import { describe, expect, it } from "vitest";
import { hashEmail, normalizeChatMessage } from "../../src/normalize/index.ts";
import { messageFixture } from "./message-fixtures.ts";
import { accepted, rejected } from "./results.ts";

const GROUP = "19:5c1e7a0b2f4d4e3a9b8c7d6e5f4a3b2c@thread.v2";

describe("normalizeChatMessage without message bodies", () => {
  const options = { includeMessageBodies: false };

  it("leaves body_content, body_text and attachment content null and keeps them out of raw", () => {
    const item = messageFixture("get-message-mentions-and-files.json");
    const { value } = accepted(normalizeChatMessage(item, GROUP, options));
    expect(value.message).toMatchObject({
      body_content_type: "html",
      body_content: null,
      body_text: null,
    });
    expect(value.attachments.map((a) => a.content)).toEqual([null, null]);
    expect(value.message.raw["body"]).toEqual({ contentType: "html" });
    const raw = JSON.stringify(value.message.raw);
    expect(raw).not.toContain("please review");
    expect(raw).not.toContain("AdaptiveCard");
    // What is not message text stays: who was mentioned, which file.
    expect(value.mentions.map((m) => m.mention_text)).toEqual(["Bea Lindqvist", "Release Bot"]);
    expect(value.attachments[0]!.name).toBe("release-notes.docx");
  });

  it("keeps a forwarded message's text out of the attachment row and raw", () => {
    const item = messageFixture("get-message-forwarded.json");
    const { value } = accepted(normalizeChatMessage(item, null, options));
    expect(value.attachments[0]!.content).toBeNull();
    expect(JSON.stringify(value)).not.toContain("see you at 5");
  });

  it("keeps bodies out of a dead-letter record too", () => {
    const dead = rejected(
      normalizeChatMessage(
        { body: { content: "secret" }, attachments: [{ id: "a", content: "card secret" }] },
        GROUP,
        options,
      ),
    );
    expect(JSON.stringify(dead.raw)).not.toContain("secret");
  });
});

describe("normalizeChatMessage with hashed emails", () => {
  const options = { hashEmails: true };
  const guest = "Guest.Person@Fabrikam.example";
  const hashed = hashEmail(guest);

  function guestMessage(): Record<string, unknown> {
    return {
      id: "1",
      chatId: GROUP,
      from: { user: { id: "u-guest", displayName: guest, userIdentityType: "federatedUser" } },
      body: {
        contentType: "html",
        content: `<p><at id="0">${guest}</at> mail <a href="mailto:ops@contoso.example">ops</a> or write to ops@contoso.example</p><img src="https://graph.microsoft.com/v1.0/chats/19:abc@thread.skype/messages/1/hostedContents/x/$value">`,
      },
      mentions: [
        {
          id: 0,
          mentionText: guest,
          mentioned: { user: { id: "u-guest", displayName: guest.toLowerCase() } },
        },
      ],
      reactions: [{ reactionType: "like", user: { user: { id: "u-guest", displayName: guest } } }],
    };
  }

  it("hashes an address that is a display name or mention text wherever it appears, body included", () => {
    const { value } = accepted(normalizeChatMessage(guestMessage(), null, options));
    expect(value.message.from_display_name).toBe(hashed);
    expect(value.mentions[0]).toMatchObject({
      mention_text: hashed,
      mentioned_display_name: hashed,
      mentioned_id: "u-guest",
    });
    expect(value.message.body_text).toBe(
      `${hashed} mail ops or write to ${hashEmail("ops@contoso.example")}`,
    );
    const all = JSON.stringify(value).toLowerCase();
    expect(all).not.toContain("guest.person@");
    expect(all).not.toContain("ops@contoso");
  });

  it("leaves ids and Teams conversation ids alone", () => {
    const { value } = accepted(normalizeChatMessage(guestMessage(), null, options));
    expect(value.message.chat_id).toBe(GROUP);
    expect(value.reactions[0]!.user_id).toBe("u-guest");
    expect(value.message.body_content).toContain("19:abc@thread.skype");
  });

  it("does not search bodies that are not kept, and changes nothing without addresses", () => {
    const item = messageFixture("get-message-mentions-and-files.json");
    expect(accepted(normalizeChatMessage(item, GROUP, options)).value).toEqual(
      accepted(normalizeChatMessage(item, GROUP)).value,
    );
    const both = accepted(
      normalizeChatMessage(guestMessage(), null, { hashEmails: true, includeMessageBodies: false }),
    ).value;
    expect(both.message.from_display_name).toBe(hashed);
    expect(both.message.body_text).toBeNull();
  });
});
