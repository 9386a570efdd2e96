import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  NEVER,
  SimError,
  startSimulator,
  type SimChatState,
  type Simulator,
} from "../../src/sim/index.ts";
import { chatsPath, graph, walk } from "./support/graph-client.ts";

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ rateScale: 0, users: 8, chatsPerUser: 10 });
});
afterAll(() => sim.close());

const enc = encodeURIComponent;
const groupWithOutsider = (): { chat: SimChatState; outsider: string; member: string } => {
  const state = sim.state();
  for (const chat of state.chats.filter((c) => c.chatType === "group")) {
    const outsider = state.users.find((u) => !(u.id in chat.viewpoints));
    const member = Object.keys(chat.viewpoints)[0];
    if (outsider && member) return { chat, outsider: outsider.id, member };
  }
  throw new Error("no group chat with an outsider");
};
const getChat = async (chatId: string) =>
  (await graph(sim, `/v1.0/chats/${enc(chatId)}`)).json ?? {};
const listed = async (userId: string, chatId: string) =>
  (await walk(sim, chatsPath(userId, "$expand=lastMessagePreview&$top=50"))).items.find(
    (c) => c.id === chatId,
  );

describe("mutations change what Graph answers", () => {
  it("renameChat moves lastUpdatedDateTime and posts a chatRenamed system event", async () => {
    const { chat, member } = groupWithOutsider();
    sim.advanceTime(60_000);
    sim.tenant.renameChat(chat.id, "Renamed topic", member);
    const after = await getChat(chat.id);
    expect(after.topic).toBe("Renamed topic");
    expect(Date.parse(after.lastUpdatedDateTime as string)).toBe(sim.clock.nowMs());
    const item = await listed(member, chat.id);
    expect(item?.lastMessagePreview).toMatchObject({
      messageType: "systemEventMessage",
      from: null,
      eventDetail: {
        "@odata.type": "#microsoft.graph.chatRenamedEventMessageDetail",
        chatDisplayName: "Renamed topic",
      },
    });
    expect(sim.tenant.chat(chat.id)?.previewHistory.length).toBe(chat.previewHistory.length + 1);
    const oneOnOne = sim.state().chats.find((c) => c.chatType === "oneOnOne");
    expect(() => sim.tenant.renameChat(oneOnOne?.id ?? "", "x")).toThrow(SimError);
  });

  it("addMember puts the chat in the new member's listing and moves lastUpdatedDateTime; removeMember takes it out", async () => {
    const { chat, outsider } = groupWithOutsider();
    sim.advanceTime(1000);
    const added = sim.tenant.addMember(chat.id, { userId: outsider });
    expect(sim.tenant.chatIdsOfUser(outsider)).toContain(chat.id);
    const item = await listed(outsider, chat.id);
    expect(item?.[chat.viewpointProperty]).toEqual({
      isHidden: false,
      lastMessageReadDateTime: NEVER,
    });
    expect(item?.lastUpdatedDateTime).not.toBe(chat.lastUpdatedDateTime);
    expect(item?.lastMessagePreview).toMatchObject({
      eventDetail: {
        "@odata.type": "#microsoft.graph.membersAddedEventMessageDetail",
        members: [{ id: outsider }],
      },
    });
    const { items: members } = await walk(sim, `/v1.0/chats/${enc(chat.id)}/members`);
    expect(members.map((m) => m.id)).toContain(added.id);
    expect(() => sim.tenant.addMember(chat.id, { userId: outsider })).toThrow(/already a member/);

    sim.advanceTime(1000);
    sim.tenant.removeMember(chat.id, { membershipId: added.id });
    expect(sim.tenant.chatIdsOfUser(outsider)).not.toContain(chat.id);
    expect((await graph(sim, `${chatsPath(outsider)}/${enc(chat.id)}`)).status).toBe(404);
    const after = await getChat(chat.id);
    expect(Date.parse(after.lastUpdatedDateTime as string)).toBe(sim.clock.nowMs());
    expect(sim.tenant.chat(chat.id)?.lastMessagePreview?.eventDetail?.["@odata.type"]).toBe(
      "#microsoft.graph.membersDeletedEventMessageDetail",
    );
    const external = sim.tenant.addMember(chat.id, { external: "phoneUser" });
    expect(external.type).toBe("phoneUserConversationMember");
  });

  it("postMessage moves the preview but not lastUpdatedDateTime, and reorders $orderby listings", async () => {
    const { chat, member } = groupWithOutsider();
    const before = await getChat(chat.id);
    sim.advanceTime(5000);
    const preview = sim.tenant.postMessage(chat.id, {
      from: member,
      content: "hello <world>",
      contentType: "text",
    });
    const item = await listed(member, chat.id);
    expect(item?.lastMessagePreview).toMatchObject({
      id: preview.id,
      body: { content: "hello <world>" },
      from: { user: { id: member } },
    });
    expect(item?.lastUpdatedDateTime).toBe(before.lastUpdatedDateTime);
    expect((await getChat(chat.id)).lastUpdatedDateTime).toBe(before.lastUpdatedDateTime);
    const ordered = await graph(
      sim,
      chatsPath(member, "$orderby=lastMessagePreview/createdDateTime desc&$top=1"),
    );
    expect((ordered.json?.value as { id: string }[])[0]?.id).toBe(chat.id);
    const bot = sim.tenant.postMessage(chat.id, {
      application: { id: "bot-app", displayName: "Bot" },
    });
    expect(bot.from?.application?.id).toBe("bot-app");
    const history = sim.tenant.chat(chat.id)?.previewHistory ?? [];
    expect(history.slice(-2).map((p) => p.id)).toEqual([preview.id, bot.id]);
    expect(Number(bot.id)).toBeGreaterThan(Number(preview.id));
  });

  it("markRead and setHidden change only that user's viewpoint", async () => {
    const chat = sim.state().chats.find((c) => Object.keys(c.viewpoints).length >= 2);
    const [reader, otherUser] = Object.keys(chat?.viewpoints ?? {}) as [string, string];
    sim.advanceTime(1000);
    sim.tenant.markRead(chat?.id ?? "", reader);
    sim.tenant.setHidden(chat?.id ?? "", reader, true);
    const mine = await listed(reader, chat?.id ?? "");
    const theirs = await listed(otherUser, chat?.id ?? "");
    const key = chat?.viewpointProperty ?? "viewpoint";
    expect(mine?.[key]).toMatchObject({ isHidden: true });
    expect(
      Date.parse((mine?.[key] as { lastMessageReadDateTime: string }).lastMessageReadDateTime),
    ).toBe(sim.clock.nowMs());
    expect(theirs?.[key]).toEqual(chat?.viewpoints[otherUser]);
    expect((await getChat(chat?.id ?? "")).lastUpdatedDateTime).toBe(chat?.lastUpdatedDateTime);
  });

  it("leaveChat removes the chat from that user's listing only; deleteChat from every listing", async () => {
    const chat = sim
      .state()
      .chats.find((c) => c.chatType === "group" && Object.keys(c.viewpoints).length >= 2);
    const [leaver, stayer] = Object.keys(chat?.viewpoints ?? {}) as [string, string];
    sim.tenant.leaveChat(chat?.id ?? "", leaver);
    expect(await listed(leaver, chat?.id ?? "")).toBeUndefined();
    expect(await listed(stayer, chat?.id ?? "")).toBeDefined();
    const { items } = await walk(sim, `/v1.0/chats/${enc(chat?.id ?? "")}/members`);
    expect(items.some((m) => m.userId === leaver)).toBe(false);
    sim.tenant.deleteChat(chat?.id ?? "");
    expect(await listed(stayer, chat?.id ?? "")).toBeUndefined();
    expect((await graph(sim, `/v1.0/chats/${enc(chat?.id ?? "")}`)).status).toBe(404);
    expect(sim.state().deletedChats.map((d) => d.id)).toContain(chat?.id);
  });

  it("operations progress with simulated time and on demand", async () => {
    const [a, b] = sim.state().users;
    const result = sim.tenant.createChat({
      chatType: "group",
      members: [a, b].map((u) => ({
        "@odata.type": "#microsoft.graph.aadUserConversationMember",
        "user@odata.bind": `users('${u?.id ?? ""}')`,
      })),
      installedApps: [
        { "teamsApp@odata.bind": "https://graph.microsoft.com/beta/appCatalogs/teamsApps/app-1" },
      ],
    });
    if (result.status !== 202) throw new Error("expected 202");
    const op = () => sim.tenant.chat(result.chat.id)?.operations[0];
    expect(op()?.status).toBe("notStarted");
    sim.tenant.progressOperation(result.chat.id, result.operation.id);
    expect(op()?.status).toBe("inProgress");
    sim.advanceTime(3_600_000);
    expect(op()?.status).toBe("inProgress");
    sim.tenant.progressOperation(result.chat.id, result.operation.id, "failed");
    expect(op()).toMatchObject({ status: "failed", error: { code: "InternalServerError" } });
  });

  it("the list-vs-get quirk makes list lastUpdatedDateTime slightly earlier than GET and the ground truth", async () => {
    sim.setListLastUpdatedSkew(500);
    try {
      const user = sim.state().users[0]?.id ?? "";
      const { items } = await walk(sim, chatsPath(user));
      for (const item of items) {
        const exact = sim.tenant.chat(item.id as string)?.lastUpdatedDateTime ?? "";
        expect((await getChat(item.id as string)).lastUpdatedDateTime).toBe(exact);
        const diff = Date.parse(exact) - Date.parse(item.lastUpdatedDateTime as string);
        expect(diff).toBeGreaterThan(0);
        expect(diff).toBeLessThanOrEqual(501);
      }
    } finally {
      sim.setListLastUpdatedSkew(0);
    }
  });
});

describe("after any sequence of mutations", () => {
  it("every user's listing, previews, viewpoints and member lists equal the ground truth", async () => {
    const mutation = fc.record({
      kind: fc.integer({ min: 0, max: 8 }),
      a: fc.nat(),
      b: fc.nat(),
      ms: fc.integer({ min: 0, max: 90_000 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.integer(), fc.array(mutation, { maxLength: 25 }), async (seed, steps) => {
        const s = await startSimulator({ seed, users: 5, chatsPerUser: 4, rateScale: 0 });
        try {
          for (const step of steps) {
            const state = s.state();
            const chat = state.chats[step.a % Math.max(1, state.chats.length)];
            const user = state.users[step.b % state.users.length];
            if (!chat || !user) continue;
            try {
              [
                () => s.tenant.renameChat(chat.id, `Topic ${step.b}`),
                () => s.tenant.addMember(chat.id, { userId: user.id }),
                () =>
                  s.tenant.removeMember(chat.id, {
                    membershipId: chat.members[step.b % chat.members.length]?.id ?? "",
                  }),
                () => s.tenant.postMessage(chat.id, { content: `m${step.b}` }),
                () => s.tenant.markRead(chat.id, user.id),
                () => s.tenant.setHidden(chat.id, user.id, step.b % 2 === 0),
                () => s.tenant.leaveChat(chat.id, user.id),
                () => s.tenant.deleteChat(chat.id),
                () => s.advanceTime(step.ms),
              ][step.kind]?.();
            } catch (error) {
              if (!(error instanceof SimError)) throw error;
            }
          }
          const state = s.state();
          for (const user of state.users) {
            const { items } = await walk(
              s,
              chatsPath(user.id, "$expand=lastMessagePreview&$top=7"),
            );
            const truth = state.chats.filter((c) => user.id in c.viewpoints);
            expect(items.map((c) => c.id)).toEqual(truth.map((c) => c.id));
            items.forEach((item, i) => {
              const chat = truth[i] as SimChatState;
              expect(item.topic).toBe(chat.topic);
              expect(item.lastUpdatedDateTime).toBe(chat.lastUpdatedDateTime);
              expect(item.viewpoint ?? item.chatViewpoint).toEqual(chat.viewpoints[user.id]);
              expect((item.lastMessagePreview as { id?: string } | null)?.id).toBe(
                chat.lastMessagePreview?.id,
              );
            });
          }
          for (const chat of state.chats) {
            const { items } = await walk(s, `/v1.0/chats/${enc(chat.id)}/members`);
            expect(items.map((m) => m.id)).toEqual(chat.members.map((m) => m.id));
          }
        } finally {
          await s.close();
        }
      }),
      { numRuns: 15 },
    );
  });
});
