import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type SimMessage, type Simulator } from "../../src/sim/index.ts";
import { errorOf, graph } from "./support/graph-client.ts";
import { allMessagesPath, walkMessages, wireTicks } from "./support/messages.ts";

const DAY = 86_400_000;
const VOLUME = { largestChat: 400, busyChats: 1, perChat: 20 };

let sim: Simulator;
let user: string;
let userChats: string[];

/** The user's messages as the ground truth has them now, by chat and id. */
function truthOf(userId: string): Map<string, SimMessage> {
  const out = new Map<string, SimMessage>();
  for (const chatId of sim.tenant.chatIdsOfUser(userId)) {
    for (const m of sim.messages(chatId)) out.set(`${chatId}/${m.id}`, m);
  }
  return out;
}
const keyOf = (m: Record<string, unknown>) => `${String(m.chatId)}/${String(m.id)}`;

/** Follows a delta round to its end: the items and the deltaLink. */
async function round(
  path: string,
): Promise<{ items: Record<string, unknown>[]; deltaLink: string }> {
  const { items, pages } = await walkMessages(sim, path);
  pages.slice(0, -1).forEach((p) => expect(p.json?.["@odata.deltaLink"]).toBeUndefined());
  const deltaLink = pages.at(-1)?.json?.["@odata.deltaLink"];
  expect(typeof deltaLink).toBe("string");
  return { items, deltaLink: deltaLink as string };
}

beforeAll(async () => {
  sim = await startSimulator({ rateScale: 0, messages: VOLUME });
  const state = sim.state();
  // The user in most chats, so that a round spans many chats.
  user = [...state.users].sort(
    (a, b) => sim.tenant.chatIdsOfUser(b.id).length - sim.tenant.chatIdsOfUser(a.id).length,
  )[0]?.id as string;
  userChats = sim.tenant.chatIdsOfUser(user);
});
afterAll(() => sim.close());

describe("getAllMessages", () => {
  it("returns every message of the user's chats between both bounds, and answers 400 for one bound alone", async () => {
    const truth = [...truthOf(user).values()];
    const times = truth
      .map((m) => m.lastModifiedDateTime)
      .sort((a, b) => (wireTicks(a) < wireTicks(b) ? -1 : 1));
    const low = times[Math.floor(times.length / 4)] as string;
    const high = times[Math.floor((times.length * 3) / 4)] as string;
    const filter = encodeURIComponent(
      `lastModifiedDateTime gt ${low} and lastModifiedDateTime lt ${high}`,
    );
    const { items, pages } = await walkMessages(
      sim,
      allMessagesPath(user, `$top=50&$filter=${filter}`),
    );
    const expected = truth.filter(
      (m) =>
        wireTicks(m.lastModifiedDateTime) > wireTicks(low) &&
        wireTicks(m.lastModifiedDateTime) < wireTicks(high),
    );
    expect(items.map(keyOf).sort()).toEqual(expected.map((m) => `${m.chatId}/${m.id}`).sort());
    expect(pages[0]?.json?.["@odata.context"]).toBe(
      `${sim.url}/v1.0/$metadata#Collection(chatMessage)`,
    );
    expect(items[0]?.["@odata.type"]).toBe("#microsoft.graph.chatMessage");

    const all = await walkMessages(sim, allMessagesPath(user, "$top=50"));
    expect(all.items.length).toBe(truth.length);
    for (const one of [`lastModifiedDateTime gt ${low}`, `lastModifiedDateTime lt ${high}`]) {
      const answer = await graph(sim, allMessagesPath(user, `$filter=${encodeURIComponent(one)}`));
      expect(answer.status, one).toBe(400);
    }
    const ge = await graph(
      sim,
      allMessagesPath(
        user,
        `$filter=${encodeURIComponent(`lastModifiedDateTime ge ${low} and lastModifiedDateTime lt ${high}`)}`,
      ),
    );
    expect(errorOf(ge).message).toBe(
      "The entity property 'lastModifiedDateTime' and operationKind 'GreaterThanOrEqual' is not allowed in $filter query.",
    );
    expect((await graph(sim, allMessagesPath(user, "$top=51"))).status).toBe(400);
  });

  it("returns a chat's messages once for each member who asks (the caller de-duplicates)", async () => {
    const state = sim.state();
    const shared = state.chats.find(
      (c) =>
        c.id !== state.chats[0]?.id &&
        Object.keys(c.viewpoints).length >= 2 &&
        c.lastMessagePreview,
    );
    const [a, b] = Object.keys(shared?.viewpoints ?? {});
    const ofChat = async (u: string) =>
      (await walkMessages(sim, allMessagesPath(u ?? "", "$top=50"))).items
        .filter((m) => m.chatId === shared?.id)
        .map(keyOf);
    const first = await ofChat(a ?? "");
    expect(first.length).toBe(sim.tenant.messageCount(shared?.id ?? ""));
    expect(await ofChat(b ?? "")).toEqual(first);
  });
});

describe("getAllMessages/delta", () => {
  it("first round: the user's messages of the last eight months, then a deltaLink; later rounds: what changed since", async () => {
    const nowMs = sim.clock.nowMs();
    const eightMonthsAgo = new Date(nowMs);
    eightMonthsAgo.setUTCMonth(eightMonthsAgo.getUTCMonth() - 8);
    const floor = BigInt(eightMonthsAgo.getTime()) * 10_000n;
    const truth = [...truthOf(user).values()];
    const recent = truth.filter((m) => wireTicks(m.lastModifiedDateTime) > floor);
    expect(recent.length).toBeLessThan(truth.length);
    expect(recent.length).toBeGreaterThan(0);

    const first = await round(allMessagesPath(user, "$top=37", true));
    expect(first.items.map(keyOf).sort()).toEqual(recent.map((m) => `${m.chatId}/${m.id}`).sort());
    const next = new URL(first.deltaLink);
    expect(next.origin).toBe(sim.url);
    expect(next.pathname).toBe(`/v1.0/users/${user}/chats/getAllMessages/delta`);
    expect([...next.searchParams.keys()]).toEqual(["$deltatoken"]);

    // Nothing changed: an empty round and a new link.
    const quiet = await round(first.deltaLink);
    expect(quiet.items).toEqual([]);

    // A simulated day: an edit, a reaction and a deletion on old messages, a post, a rename.
    sim.advanceTime(DAY);
    const group = sim
      .state()
      .chats.find(
        (c) => c.chatType === "group" && user in c.viewpoints && sim.tenant.messageCount(c.id) > 10,
      );
    if (!group) throw new Error("no group chat of the user with history");
    const old = sim
      .messages(group.id)
      .filter((m) => m.messageType === "message" && m.deletedDateTime === null);
    const [edited, reacted, deleted] = old.slice(1, 4);
    if (!edited || !reacted || !deleted) throw new Error("not enough messages");
    sim.tenant.editMessage(group.id, edited.id, { content: "edited" });
    sim.tenant.reactToMessage(group.id, reacted.id, { userId: user, reactionType: "heart" });
    sim.tenant.deleteMessage(group.id, deleted.id);
    sim.tenant.editMessage(group.id, edited.id, { content: "edited twice" });
    const posted = sim.tenant.postMessage(group.id, { from: user, content: "new" });
    sim.tenant.renameChat(group.id, "Renamed for delta", user);
    const elsewhere = sim
      .state()
      .chats.find((c) => !(user in c.viewpoints) && sim.tenant.messageCount(c.id) > 1);
    if (elsewhere) sim.tenant.postMessage(elsewhere.id, { content: "not for this user" });

    const changed = await round(quiet.deltaLink);
    const byId = new Map(changed.items.map((m) => [m.id as string, m]));
    expect(changed.items.length).toBe(byId.size);
    expect([...byId.keys()].sort()).toEqual(
      [
        edited.id,
        reacted.id,
        deleted.id,
        posted.id,
        sim.tenant.chat(group.id)?.lastMessagePreview?.id ?? "",
      ].sort(),
    );
    expect(byId.get(edited.id)?.body).toMatchObject({ content: "edited twice" });
    expect(byId.get(edited.id)?.lastEditedDateTime).toBe(byId.get(edited.id)?.lastModifiedDateTime);
    expect(byId.get(deleted.id)?.deletedDateTime).not.toBeNull();
    expect(
      (byId.get(reacted.id)?.reactions as { reactionType: string }[]).map((r) => r.reactionType),
    ).toContain("heart");
    expect(changed.items.every((m) => m.chatId === group.id)).toBe(true);
  });

  it("puts changes made during a round into the next round, so none is lost", async () => {
    const page = await graph(sim, allMessagesPath(user, "$top=5", true));
    const first = { items: page.json?.value as Record<string, unknown>[] };
    const served = first.items.find(
      (m) => m.messageType === "message" && m.deletedDateTime === null,
    ) as Record<string, unknown>;
    // A message not served yet: the last of the user's last chat.
    const lastChat = userChats[userChats.length - 1] as string;
    const later = sim
      .messages(lastChat)
      .find((m) => m.messageType === "message" && m.deletedDateTime === null);
    sim.advanceTime(1000);
    sim.tenant.reactToMessage(String(served.chatId), String(served.id), {
      userId: user,
      reactionType: "like",
    });
    if (later) sim.tenant.editMessage(lastChat, later.id, { content: "during the round" });
    const rest = await round(page.json?.["@odata.nextLink"] as string);
    const firstIds = new Set([...first.items, ...rest.items].map(keyOf));
    const after = await round(rest.deltaLink);
    const changedIds = after.items.map(keyOf);
    expect(changedIds).toContain(keyOf(served));
    if (later) {
      expect(changedIds).toContain(`${lastChat}/${later.id}`);
      expect(firstIds.has(`${lastChat}/${later.id}`)).toBe(false);
    }
  });

  it("starts from a gt filter when asked, and refuses other filters and options on the first request", async () => {
    const truth = [...truthOf(user).values()];
    const since = truth
      .map((m) => m.lastModifiedDateTime)
      .sort((a, b) => (wireTicks(a) < wireTicks(b) ? 1 : -1))[10] as string;
    const { items } = await round(
      allMessagesPath(
        user,
        `$top=50&$filter=${encodeURIComponent(`lastModifiedDateTime gt ${since}`)}`,
        true,
      ),
    );
    expect(items.length).toBe(10);
    const lt = await graph(
      sim,
      allMessagesPath(
        user,
        `$filter=${encodeURIComponent(`lastModifiedDateTime lt ${since}`)}`,
        true,
      ),
    );
    expect(errorOf(lt).message).toBe(
      "The entity property 'lastModifiedDateTime' and operationKind 'LessThan' is not allowed in $filter query.",
    );
    expect(
      (await graph(sim, allMessagesPath(user, "$orderby=lastModifiedDateTime desc", true))).status,
    ).toBe(400);
    expect((await graph(sim, allMessagesPath(user, "$deltatoken=forged.token", true))).status).toBe(
      400,
    );
  });

  it("expires a delta link left unused for more than 7 simulated days with 410 resyncRequired", async () => {
    const { deltaLink } = await round(allMessagesPath(user, "$top=50", true));
    sim.advanceTime(6 * DAY);
    const used = await round(deltaLink);
    sim.advanceTime(6 * DAY);
    // Used 6 days ago: still valid, and so is the one it gave.
    await round(deltaLink);
    sim.advanceTime(7 * DAY + 1);
    const expired = await graph(sim, used.deltaLink);
    expect(expired.status).toBe(410);
    expect(errorOf(expired)).toMatchObject({
      code: "resyncRequired",
      message: "The delta token is no longer valid, and the app must reset the sync state.",
    });
    expect((await graph(sim, deltaLink)).status).toBe(410);
  });
});
