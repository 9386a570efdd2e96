import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  SimError,
  startSimulator,
  type SimChatState,
  type Simulator,
} from "../../src/sim/index.ts";
import { chatsPath, errorOf, graph, walk } from "./support/graph-client.ts";
import {
  allMessagesPath,
  INCLUDE_UNKNOWN,
  messagesPath,
  walkMessages,
} from "./support/messages.ts";

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ rateScale: 0, messages: { largestChat: 300, busyChats: 0 } });
});
afterAll(() => sim.close());

const enc = encodeURIComponent;
const groupChat = (): { chat: SimChatState; member: string } => {
  const state = sim.state();
  const chat = state.chats.find(
    (c) =>
      c.chatType === "group" &&
      sim.tenant.messageCount(c.id) > 8 &&
      Object.keys(c.viewpoints).length > 1,
  );
  if (!chat) throw new Error("no group chat with history");
  return { chat, member: Object.keys(chat.viewpoints)[0] ?? "" };
};
const oldMessages = (chatId: string) =>
  sim
    .messages(chatId)
    .filter((m) => m.messageType === "message" && m.deletedDateTime === null)
    .slice(0, -1);
const preview = async (userId: string, chatId: string) =>
  (await walk(sim, chatsPath(userId, "$expand=lastMessagePreview&$top=50"))).items.find(
    (c) => c.id === chatId,
  )?.lastMessagePreview;

describe("message mutations", () => {
  it("edit, react, unreact and delete move the message's lastModifiedDateTime and etag, not the preview", async () => {
    const { chat, member } = groupChat();
    const [a, b, c] = oldMessages(chat.id);
    if (!a || !b || !c) throw new Error("not enough messages");
    const previewBefore = await preview(member, chat.id);
    const chatBefore = sim.tenant.chat(chat.id);
    sim.advanceTime(3_600_000);

    const edited = sim.tenant.editMessage(chat.id, a.id, {
      content: "<p>fixed</p>",
      contentType: "html",
    });
    expect(edited.body).toEqual({ contentType: "html", content: "<p>fixed</p>" });
    expect(edited.lastEditedDateTime).toBe(edited.lastModifiedDateTime);
    expect(Date.parse(edited.lastModifiedDateTime)).toBe(sim.clock.nowMs());
    expect(edited.etag).not.toBe(a.etag);

    sim.advanceTime(1000);
    const reacted = sim.tenant.reactToMessage(chat.id, b.id, {
      userId: member,
      reactionType: "custom",
      displayName: "Ship it",
    });
    const reaction = reacted.reactions.find(
      (r) => r.user.id === member && r.reactionType === "custom",
    );
    expect(reaction).toMatchObject({
      displayName: "Ship it",
      createdDateTime: reacted.lastModifiedDateTime,
    });
    expect(reaction?.reactionContentUrl).toMatch(/\/hostedContents\/.+\/\$value$/);
    expect(reacted.messageHistory.at(-1)).toMatchObject({
      actions: "reactionAdded",
      modifiedDateTime: reacted.lastModifiedDateTime,
    });
    expect(() =>
      sim.tenant.reactToMessage(chat.id, b.id, { userId: member, reactionType: "custom" }),
    ).toThrow(/already reacted/);

    sim.advanceTime(1000);
    const unreacted = sim.tenant.unreactToMessage(chat.id, b.id, {
      userId: member,
      reactionType: "custom",
    });
    expect(
      unreacted.reactions.some((r) => r.user.id === member && r.reactionType === "custom"),
    ).toBe(false);
    expect(unreacted.messageHistory.at(-1)).toMatchObject({ actions: "reactionRemoved" });
    expect(Date.parse(unreacted.lastModifiedDateTime)).toBeGreaterThan(
      Date.parse(reacted.lastModifiedDateTime),
    );

    sim.advanceTime(1000);
    const deleted = sim.tenant.deleteMessage(chat.id, c.id);
    expect(deleted).toMatchObject({
      body: { contentType: "html", content: "" },
      from: null,
      attachments: [],
      mentions: [],
      reactions: [],
    });
    expect(deleted.deletedDateTime).toBe(deleted.lastModifiedDateTime);
    expect(() => sim.tenant.editMessage(chat.id, c.id, { content: "x" })).toThrow(SimError);

    // Graph shows the changes; the chat itself and its preview did not move.
    const newestFirst = await graph(
      sim,
      messagesPath(chat.id, "$top=3&$orderby=lastModifiedDateTime desc"),
    );
    expect((newestFirst.json?.value as { id: string }[]).map((m) => m.id)).toEqual([
      c.id,
      b.id,
      a.id,
    ]);
    const one = await graph(sim, `${messagesPath(chat.id)}/${c.id}`);
    expect(one.json).toMatchObject({
      id: c.id,
      deletedDateTime: deleted.deletedDateTime,
      from: null,
    });
    expect(await preview(member, chat.id)).toEqual(previewBefore);
    expect(sim.tenant.chat(chat.id)?.lastUpdatedDateTime).toBe(chatBefore?.lastUpdatedDateTime);
    expect(sim.tenant.chat(chat.id)?.previewHistory).toEqual(chatBefore?.previewHistory);
    expect(sim.messages(chat.id).find((m) => m.id === a.id)?.body.content).toBe("<p>fixed</p>");
  });

  it("posting adds the chat's newest message, which the preview shows", async () => {
    const { chat, member } = groupChat();
    sim.advanceTime(60_000);
    const posted = sim.tenant.postMessage(chat.id, {
      from: member,
      content: "<p>hello <b>all</b></p>",
      contentType: "html",
    });
    const newest = sim.messages(chat.id).at(-1);
    expect(newest).toMatchObject({
      id: posted.id,
      createdDateTime: posted.createdDateTime,
      lastModifiedDateTime: posted.createdDateTime,
      body: posted.body,
      from: { user: { id: member, userIdentityType: "aadUser" } },
    });
    expect(await preview(member, chat.id)).toMatchObject({ id: posted.id });
    const gone = sim.tenant.postMessage(chat.id, { from: member, deleted: true });
    expect(sim.messages(chat.id).at(-1)).toMatchObject({ id: gone.id, body: { content: "" } });
    expect(sim.messages(chat.id).at(-1)?.deletedDateTime).not.toBeNull();
  });

  it("renames and member changes add their system event message", async () => {
    const { chat, member } = groupChat();
    const outsider = sim
      .state()
      .users.find((u) => !(u.id in (sim.tenant.chat(chat.id)?.viewpoints ?? {})));
    sim.advanceTime(60_000);
    sim.tenant.renameChat(chat.id, "Story time", member);
    const added = outsider
      ? sim.tenant.addMember(chat.id, { userId: outsider.id, by: member })
      : undefined;
    if (outsider) sim.tenant.removeMember(chat.id, { userId: outsider.id, by: member });
    const events = sim.messages(chat.id).slice(outsider ? -3 : -1);
    expect(events.every((m) => m.messageType === "systemEventMessage" && m.from === null)).toBe(
      true,
    );
    expect(events[0]?.eventDetail).toMatchObject({
      "@odata.type": "#microsoft.graph.chatRenamedEventMessageDetail",
      chatDisplayName: "Story time",
      initiator: { user: { id: member } },
    });
    if (outsider && added) {
      expect(events[1]?.eventDetail).toMatchObject({
        "@odata.type": "#microsoft.graph.membersAddedEventMessageDetail",
        members: [{ id: outsider.id }],
      });
      expect(events[2]?.eventDetail).toMatchObject({
        "@odata.type": "#microsoft.graph.membersDeletedEventMessageDetail",
        members: [{ id: outsider.id }],
      });
    }
    const listed = await graph(sim, messagesPath(chat.id, "$top=1&$orderby=createdDateTime desc"), {
      headers: INCLUDE_UNKNOWN,
    });
    expect((listed.json?.value as { messageType: string }[])[0]?.messageType).toBe(
      "systemEventMessage",
    );
  });

  it("gives a chat created live the messages posted to it, and none before", async () => {
    const [a, b] = sim.state().users;
    const created = sim.tenant.createChat({
      chatType: "group",
      topic: "Fresh",
      members: [a, b].map((u) => ({
        "@odata.type": "#microsoft.graph.aadUserConversationMember",
        "user@odata.bind": `https://graph.microsoft.com/v1.0/users('${u?.id ?? ""}')`,
      })),
    });
    expect(sim.messages(created.chat.id)).toEqual([]);
    expect((await walkMessages(sim, messagesPath(created.chat.id))).items).toEqual([]);
    sim.tenant.postMessage(created.chat.id, { from: a?.id, content: "first" });
    expect(sim.messages(created.chat.id).map((m) => m.body.content)).toEqual(["first"]);
  });

  it("applies message mutations posted to /_sim/mutations, with clear errors", async () => {
    const { chat, member } = groupChat();
    const [target] = oldMessages(chat.id).slice(-1);
    const post = (body: unknown) =>
      fetch(`${sim.url}/_sim/mutations`, { method: "POST", body: JSON.stringify(body) });
    const ok = await post([
      { type: "editMessage", chatId: chat.id, messageId: target?.id, content: "via control" },
      {
        type: "reactToMessage",
        chatId: chat.id,
        messageId: target?.id,
        userId: member,
        reactionType: "👍",
      },
      {
        type: "unreactToMessage",
        chatId: chat.id,
        messageId: target?.id,
        userId: member,
        reactionType: "👍",
      },
      { type: "deleteMessage", chatId: chat.id, messageId: target?.id },
    ]);
    expect(ok.status).toBe(200);
    const { results } = (await ok.json()) as { results: { deletedDateTime: string | null }[] };
    expect(results.at(-1)?.deletedDateTime).not.toBeNull();
    const missing = await post({ type: "deleteMessage", chatId: chat.id, messageId: "42" });
    expect(missing.status).toBe(404);
    const twice = await post({ type: "deleteMessage", chatId: chat.id, messageId: target?.id });
    expect(twice.status).toBe(400);
    expect((await post({ type: "editMessage", chatId: chat.id })).status).toBe(400);
  });

  it("serves the ground truth of messages on /_sim/messages", async () => {
    const counts = (await (await fetch(`${sim.url}/_sim/messages`)).json()) as {
      total: number;
      chats: { chatId: string; count: number }[];
    };
    expect(counts.chats.length).toBe(sim.state().chats.length);
    expect(counts.total).toBe(counts.chats.reduce((s, c) => s + c.count, 0));
    const { chat } = groupChat();
    const truth = (await (await fetch(`${sim.url}/_sim/messages/${enc(chat.id)}`)).json()) as {
      messages: unknown[];
    };
    expect(truth.messages).toEqual(sim.messages(chat.id));
    const first = sim.messages(chat.id)[0];
    expect(
      await (await fetch(`${sim.url}/_sim/messages/${enc(chat.id)}/${first?.id ?? ""}`)).json(),
    ).toEqual(first);
    expect((await fetch(`${sim.url}/_sim/messages/nochat`)).status).toBe(404);
  });
});

describe("the protectedApi fault", () => {
  it("answers Graph's protected-API 403 on message routes only, for the targeted users", async () => {
    const { chat, member } = groupChat();
    const other = Object.keys(chat.viewpoints)[1] ?? "";
    sim.setFaults([{ kind: "protectedApi", users: [member] }]);
    try {
      for (const path of [
        messagesPath(chat.id, "", member),
        allMessagesPath(member),
        allMessagesPath(member, "", true),
        `${messagesPath(chat.id, "", member)}/1`,
      ]) {
        const answer = await graph(sim, path);
        expect(answer.status, path).toBe(403);
        expect(errorOf(answer)).toEqual({
          code: "Forbidden",
          message:
            "Invoked API requires Protected API access in application-only context when not using Resource Specific Consent. Visit https://docs.microsoft.com/en-us/graph/teams-protected-apis for more details.",
          innerError: expect.anything(),
        });
      }
      expect((await graph(sim, chatsPath(member))).status).toBe(200);
      expect((await graph(sim, allMessagesPath(other))).status).toBe(200);
      sim.setFaults([{ kind: "protectedApi" }]);
      expect((await graph(sim, messagesPath(chat.id))).status).toBe(403);
      expect((await graph(sim, `/v1.0/chats/${enc(chat.id)}`)).status).toBe(200);
    } finally {
      sim.setFaults([]);
    }
    expect((await graph(sim, messagesPath(chat.id))).status).toBe(200);
  });
});

describe("simulateActivity", () => {
  it("spreads a day of posts and old-message changes deterministically; only active chats' previews move", async () => {
    const options = {
      rateScale: 0,
      seed: 5,
      messages: { largestChat: 200, busyChats: 0 },
    } as const;
    const [a, b] = await Promise.all([startSimulator(options), startSimulator(options)]);
    try {
      const before = a.state();
      const day = a.tenant.simulateActivity({ activeChatShare: 0.05, oldMessageChanges: 30 });
      expect(b.tenant.simulateActivity({ activeChatShare: 0.05, oldMessageChanges: 30 })).toEqual(
        day,
      );
      expect(a.clock.nowMs() - Date.parse(before.now)).toBe(86_400_000);
      expect(day.activeChats.length).toBe(Math.round(before.chats.length * 0.05));
      expect(day.posted).toBe(day.activeChats.length * 3);
      expect(day.changes.length).toBeGreaterThan(20);
      const after = a.state();
      for (const chat of after.chats) {
        const old = before.chats.find((c) => c.id === chat.id);
        const moved = chat.lastMessagePreview?.id !== old?.lastMessagePreview?.id;
        expect(moved, chat.id).toBe(day.activeChats.includes(chat.id));
      }
      for (const { chatId, messageId, change } of day.changes) {
        const message = a.tenant.message(chatId, messageId);
        expect(Date.parse(message?.lastModifiedDateTime ?? "")).toBeGreaterThan(
          Date.parse(before.now),
        );
        if (change === "delete") expect(message?.deletedDateTime).not.toBeNull();
      }
      expect(a.messages(day.activeChats[0] ?? "")).toEqual(b.messages(day.activeChats[0] ?? ""));
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe("the ground truth accessors", () => {
  it("iterate every live chat's messages, chat by chat, as sim.messages gives them", () => {
    const seen: string[] = [];
    for (const { chatId, messages } of sim.allMessages()) {
      seen.push(chatId);
      expect(messages.length).toBe(sim.tenant.messageCount(chatId));
    }
    expect(seen).toEqual(sim.state().chats.map((c) => c.id));
  });
});
