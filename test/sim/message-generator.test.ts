import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startSimulator,
  type SimMessage,
  type SimState,
  type Simulator,
} from "../../src/sim/index.ts";

let sim: Simulator;
let state: SimState;
/** Each chat's messages, oldest first: the default tenant with a smaller first chat. */
const histories = new Map<string, SimMessage[]>();
let everything: SimMessage[];
let largest: SimMessage[];

beforeAll(async () => {
  sim = await startSimulator({ rateScale: 0, messages: { largestChat: 3_000 } });
  state = sim.state();
  for (const chat of state.chats) histories.set(chat.id, sim.messages(chat.id));
  everything = [...histories.values()].flat();
  largest = histories.get(state.chats[0]?.id ?? "") ?? [];
});
afterAll(() => sim.close());

/** Collects what fails in a loop over thousands of messages, for one assertion. */
function problems(): { check: (ok: boolean, what: string) => void; list: string[] } {
  const list: string[] = [];
  return { list, check: (ok, what) => void (ok || list.length >= 20 || list.push(what)) };
}

const all = (): SimMessage[] => everything;
const historyOf = (chatId: string): SimMessage[] => histories.get(chatId) ?? [];
const detailType = (m: SimMessage): string => String(m.eventDetail?.["@odata.type"] ?? "");
const fractionDigits = (t: string): number => /\.(\d+)Z$/.exec(t)?.[1]?.length ?? 0;

describe("generated chat messages", () => {
  it("gives the default tenant a chat of at least 20,000 messages, a few of thousands, and mostly small chats", async () => {
    const defaults = await startSimulator({ rateScale: 0 });
    try {
      const chats = defaults.state().chats;
      const counts = chats.map((c) => defaults.tenant.messageCount(c.id)).sort((a, b) => a - b);
      expect(defaults.tenant.messageCount(chats[0]?.id ?? "")).toBeGreaterThanOrEqual(20_000);
      expect(counts.filter((n) => n >= 1_000).length).toBeGreaterThanOrEqual(3);
      const median = counts[Math.floor(counts.length / 2)] ?? 0;
      expect(median).toBeGreaterThan(0);
      expect(median).toBeLessThan(50);
    } finally {
      await defaults.close();
    }
  });

  it("ends every chat's history with its preview: same id, time, body and event; chats without a preview have none", () => {
    for (const chat of state.chats) {
      const history = historyOf(chat.id);
      const preview = chat.lastMessagePreview;
      if (preview === null) {
        expect(history).toEqual([]);
        continue;
      }
      const newest = history[history.length - 1];
      expect(newest?.id).toBe(preview.id);
      expect(newest?.createdDateTime).toBe(preview.createdDateTime);
      expect(newest?.eventDetail).toEqual(preview.eventDetail);
      expect(newest?.deletedDateTime !== null).toBe(preview.isDeleted);
      if (!preview.isDeleted) expect(newest?.body).toEqual(preview.body);
      expect(newest?.from?.user?.id).toBe(preview.from?.user?.id);
      // Older messages read older on the wire too, whatever their precision.
      const order = problems();
      for (let i = 1; i < history.length; i++) {
        const [a, b] = [history[i - 1] as SimMessage, history[i] as SimMessage];
        order.check(Number(a.id) < Number(b.id), `ids ${a.id} ${b.id}`);
        order.check(wireLess(a.createdDateTime, b.createdDateTime), `times ${a.id} ${b.id}`);
        order.check(
          Date.parse(a.createdDateTime) > Date.parse(chat.createdDateTime) - 1000,
          `before the chat: ${a.id}`,
        );
      }
      expect(order.list).toEqual([]);
    }
  });

  it("has every message type, sender kind, mention kind, reaction kind and attachment kind", () => {
    const types = new Set(all().map((m) => m.messageType));
    expect([...types].sort()).toEqual(["chatEvent", "message", "systemEventMessage", "typing"]);
    const senders = new Set(
      all().flatMap((m) =>
        m.from?.user ? [m.from.user.userIdentityType] : m.from?.application ? ["bot"] : [],
      ),
    );
    for (const kind of ["aadUser", "federatedUser", "anonymousGuest", "bot", "phoneUser"]) {
      expect(senders, kind).toContain(kind);
    }
    const mentioned = new Set(
      all().flatMap((m) =>
        m.mentions.map((x) =>
          x.mentioned.user ? "user" : x.mentioned.application ? "application" : "conversation",
        ),
      ),
    );
    expect([...mentioned].sort()).toEqual(["application", "conversation", "user"]);
    const reactions = all().flatMap((m) =>
      m.messageHistory.flatMap((h) => (h.reaction ? [h.reaction] : [])),
    );
    expect(
      reactions.some((r) => r.reactionType === "custom" && r.displayName && r.reactionContentUrl),
    ).toBe(true);
    expect(
      reactions.some((r) =>
        ["like", "heart", "laugh", "surprised", "sad", "angry"].includes(r.reactionType),
      ),
    ).toBe(true);
    expect(reactions.some((r) => /\p{Extended_Pictographic}/u.test(r.reactionType))).toBe(true);
    const attachments = new Set(all().flatMap((m) => m.attachments.map((a) => a.contentType)));
    for (const type of [
      "reference",
      "application/vnd.microsoft.card.adaptive",
      "application/vnd.microsoft.card.codesnippet",
      "messageReference",
      "forwardedMessageReference",
    ]) {
      expect(attachments, type).toContain(type);
    }
  });

  it("writes HTML bodies the way Teams does: <at> tags for mentions, <attachment> tags, hosted images, quoted replies", () => {
    const html = problems();
    for (const m of all()) {
      for (const mention of m.mentions)
        html.check(m.body.content.includes(`<at id="${mention.id}">`), `mention ${m.id}`);
      html.check(m.mentions.length === 0 || m.body.contentType === "html", `text ${m.id}`);
      for (const a of m.attachments) {
        html.check(m.body.content.includes(`<attachment id="${a.id}">`), `attachment ${m.id}`);
        if (a.contentType === "reference") {
          html.check(/^https:\/\//.test(a.contentUrl ?? ""), `reference ${m.id}`);
        } else {
          html.check(a.contentUrl === null && isJson(a.content), `card ${m.id}`);
        }
      }
    }
    expect(html.list).toEqual([]);
    expect(
      all().some((m) =>
        /<img [^>]*src="[^"]*\/hostedContents\/[^"]+\/\$value"/.test(m.body.content),
      ),
    ).toBe(true);
    const quote = all().find((m) =>
      m.body.content.includes('itemtype="http://schema.skype.com/Reply"'),
    );
    expect(quote?.body.content).toMatch(
      /^<blockquote itemscope="" itemtype="http:\/\/schema.skype.com\/Reply" itemid="\d+">/,
    );
    expect(all().some((m) => m.body.content.includes("&amp;"))).toBe(true);
  });

  it("tells each group chat's story in system events that agree with its members and topic", () => {
    const byChat = new Map(state.chats.map((c) => [c.id, c]));
    let renames = 0;
    let departures = 0;
    for (const chat of state.chats.filter((c) => c.chatType === "group" && c.lastMessagePreview)) {
      const history = (chat.id === state.chats[0]?.id ? largest : sim.messages(chat.id)).slice(
        0,
        -1,
      );
      if (history.length < 2) continue;
      // The first message adds the first members; membership then follows the events.
      expect(detailType(history[0] as SimMessage)).toBe(
        "#microsoft.graph.membersAddedEventMessageDetail",
      );
      const story = problems();
      const present = new Set<string>();
      const memberIds = (m: SimMessage) =>
        ((m.eventDetail?.members ?? []) as { id: string }[]).map((x) => x.id);
      for (const m of history) {
        const type = detailType(m);
        if (type.endsWith("membersAddedEventMessageDetail"))
          memberIds(m).forEach((id) => present.add(id));
        if (type.endsWith("membersDeletedEventMessageDetail")) {
          departures++;
          for (const id of memberIds(m)) {
            story.check(present.has(id), `${m.id} removes ${id}, not a member`);
            present.delete(id);
          }
        }
        if (m.from?.user && m.messageType === "message")
          story.check(present.has(m.from.user.id), `${m.id} from a non-member`);
      }
      const current = new Set(
        (byChat.get(chat.id)?.members ?? [])
          .map((m) => ("userId" in m ? m.userId : ""))
          .filter(Boolean),
      );
      for (const id of current) story.check(present.has(id), `${chat.id}: ${id} never added`);
      expect(story.list).toEqual([]);
      const renamed = history.filter((m) =>
        detailType(m).endsWith("chatRenamedEventMessageDetail"),
      );
      renames += renamed.length;
      if (renamed.length > 0)
        expect(renamed[renamed.length - 1]?.eventDetail?.chatDisplayName).toBe(chat.topic);
    }
    expect(renames).toBeGreaterThan(0);
    expect(departures).toBeGreaterThan(0);
  });

  it("pairs call events, with the duration between them", () => {
    const started = new Map<string, SimMessage>();
    let ended = 0;
    for (const m of largest) {
      if (detailType(m).endsWith("callStartedEventMessageDetail"))
        started.set(String(m.eventDetail?.callId), m);
      if (detailType(m).endsWith("callEndedEventMessageDetail")) {
        const start = started.get(String(m.eventDetail?.callId));
        expect(start).toBeDefined();
        const [, h, min, s] =
          /^PT(\d+)H(\d+)M(\d+)S$/.exec(String(m.eventDetail?.callDuration)) ?? [];
        const seconds = Number(h) * 3600 + Number(min) * 60 + Number(s);
        expect(Math.abs(seconds * 1000 - (Number(m.id) - Number(start?.id)))).toBeLessThanOrEqual(
          1000,
        );
        ended++;
      }
    }
    expect(ended).toBeGreaterThan(0);
  });

  it("shows edits, deletions and reactions consistently with lastModifiedDateTime", () => {
    const changed = all().filter((m) => m.lastModifiedDateTime !== m.createdDateTime);
    expect(changed.length).toBeGreaterThan(0);
    const times = problems();
    for (const m of all()) {
      const modified = Date.parse(m.lastModifiedDateTime);
      times.check(modified >= Date.parse(m.createdDateTime), `modified before created ${m.id}`);
      for (const t of [
        m.lastEditedDateTime,
        m.deletedDateTime,
        ...m.messageHistory.map((h) => h.modifiedDateTime),
      ]) {
        if (t !== null) times.check(Date.parse(t) <= modified, `change after modified ${m.id}`);
      }
      times.check(modified < Date.parse(state.now), `in the future ${m.id}`);
      times.check(m.etag === String(Math.floor(modified)), `etag ${m.id}`);
      const keys = m.reactions.map((r) => `${r.user.id}/${r.reactionType}`);
      times.check(new Set(keys).size === keys.length, `duplicate reaction ${m.id}`);
    }
    expect(times.list).toEqual([]);
    const deleted = all().filter((m) => m.deletedDateTime !== null);
    expect(deleted.length).toBeGreaterThan(0);
    expect(
      deleted.filter((m) => m.body.content !== "" || m.attachments.length + m.reactions.length > 0),
    ).toEqual([]);
    expect(deleted.some((m) => m.from === null)).toBe(true);
    expect(all().some((m) => m.lastEditedDateTime !== null)).toBe(true);
    expect(all().some((m) => m.messageHistory.some((h) => h.actions === "reactionRemoved"))).toBe(
      true,
    );
  });

  it("sends timestamps with 0 to 7 fraction digits", () => {
    const digits = new Set(
      all().flatMap((m) => [m.createdDateTime, m.lastModifiedDateTime].map(fractionDigits)),
    );
    expect([...digits].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("is deterministic: another simulator with the same seed has the same messages, and reading them does not change state()", async () => {
    const other = await startSimulator({ rateScale: 0 });
    try {
      const chat = state.chats[3]?.id ?? "";
      expect(other.messages(chat)).toEqual(sim.messages(chat));
      expect(other.state()).toEqual({ ...state, now: other.state().now });
      expect(JSON.stringify(sim.state())).toBe(JSON.stringify(state));
    } finally {
      await other.close();
    }
  });
});

function isJson(text: string | null): boolean {
  try {
    JSON.parse(text ?? "");
    return true;
  } catch {
    return false;
  }
}

/** a < b as wire values when both parse to the same millisecond (sub-ms digits decide). */
function wireLess(a: string, b: string): boolean {
  const sub = (t: string) => Number((/\.(\d+)Z$/.exec(t)?.[1] ?? "").padEnd(7, "0"));
  return Date.parse(a) < Date.parse(b) || (Date.parse(a) === Date.parse(b) && sub(a) < sub(b));
}
