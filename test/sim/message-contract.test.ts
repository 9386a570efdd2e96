/**
 * Contract tests for chat messages: the doc examples of List messages in a chat, Get
 * chatMessage, getAllMessages and its delta (test/fixtures/graph) against the simulator's
 * answers to the same requests, with the shape rule of support/shape.ts. An envelope is
 * compared with one page; each example item must match some item the simulator returns.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type SimState, type Simulator } from "../../src/sim/index.ts";
import { graph } from "./support/graph-client.ts";
import {
  INCLUDE_UNKNOWN,
  allMessagesPath,
  messagesPath,
  walkMessages,
} from "./support/messages.ts";
import { shapeMismatches } from "./support/shape.ts";

type Json = Record<string, unknown>;
const fixtureDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/graph");
const fixture = (name: string): Json =>
  JSON.parse(readFileSync(path.join(fixtureDir, name), "utf8")) as Json;
const without = (json: Json, ...keys: string[]): Json =>
  Object.fromEntries(Object.entries(json).filter(([k]) => !keys.includes(k)));

let sim: Simulator;
let state: SimState;
/** The user in the most chats. */
let user: string;

beforeAll(async () => {
  sim = await startSimulator({ rateScale: 0, messages: { largestChat: 300, busyChats: 0 } });
  state = sim.state();
  user = [...state.users].sort(
    (a, b) => sim.tenant.chatIdsOfUser(b.id).length - sim.tenant.chatIdsOfUser(a.id).length,
  )[0]?.id as string;
});
afterAll(() => sim.close());

/** Every message of the chats the messages fixtures need (renames, images, plain text). */
async function chatMessagePool(headers: Record<string, string>): Promise<Json[]> {
  const pool: Json[] = [];
  for (const chat of state.chats.slice(0, 8)) {
    pool.push(...(await walkMessages(sim, messagesPath(chat.id, "$top=50"), headers)).items);
  }
  return pool;
}

describe("chat messages answer like Graph's documented examples", () => {
  it("list-chat-messages.json: GET /chats/{id}/messages?$top=2 (system events as unknownFutureValue)", async () => {
    const expected = fixture("list-chat-messages.json");
    const chat = state.chats[0]?.id ?? "";
    const page = await graph(sim, messagesPath(chat, "$top=2"));
    expect(shapeMismatches(without(expected, "value"), page.json)).toEqual([]);
    const pool = await chatMessagePool({});
    expect(shapeMismatches(expected.value, pool)).toEqual([]);
    const system = pool.filter((m) => m.from === null && m.eventDetail !== null);
    expect(system.length).toBeGreaterThan(0);
    expect(new Set(system.map((m) => m.messageType))).toEqual(new Set(["unknownFutureValue"]));
  });

  it("list-chat-messages-include-unknown.json: the same with Prefer: include-unknown-enum-members", async () => {
    const expected = fixture("list-chat-messages-include-unknown.json");
    const pool = await chatMessagePool(INCLUDE_UNKNOWN);
    expect(shapeMismatches(expected.value, pool)).toEqual([]);
    const system = pool.filter((m) => m.from === null && m.eventDetail !== null);
    expect(new Set(system.map((m) => m.messageType))).toEqual(new Set(["systemEventMessage"]));
  });

  it("get-chat-message.json: GET /chats/{id}/messages/{id}", async () => {
    const expected = fixture("get-chat-message.json");
    const chat = state.chats.find(
      (c) => c.chatType === "oneOnOne" && sim.tenant.messageCount(c.id) > 3,
    );
    const answers: Json[] = [];
    for (const message of sim.messages(chat?.id ?? "").slice(0, 20)) {
      const answer = await graph(sim, `${messagesPath(chat?.id ?? "")}/${message.id}`);
      expect(answer.status).toBe(200);
      if (answer.json) answers.push(answer.json);
    }
    expect(shapeMismatches([expected], answers)).toEqual([]);
  });

  it("get-all-messages.json: GET /users/{id}/chats/getAllMessages?$top=2", async () => {
    const expected = fixture("get-all-messages.json");
    const page = await graph(sim, allMessagesPath(user, "$top=2"));
    expect(shapeMismatches(without(expected, "value"), page.json)).toEqual([]);
    const { items } = await walkMessages(sim, allMessagesPath(user, "$top=50"));
    expect(shapeMismatches(expected.value, items)).toEqual([]);
  });

  it("get-all-messages-delta.json and get-all-messages-delta-last.json: a delta round's pages", async () => {
    const firstPage = await graph(sim, allMessagesPath(user, "$top=2", true));
    const first = fixture("get-all-messages-delta.json");
    expect(shapeMismatches(without(first, "value"), firstPage.json)).toEqual([]);
    const { items, pages } = await walkMessages(sim, allMessagesPath(user, "$top=50", true));
    expect(shapeMismatches(first.value, items)).toEqual([]);
    const last = fixture("get-all-messages-delta-last.json");
    expect(shapeMismatches(without(last, "value"), pages.at(-1)?.json)).toEqual([]);
    expect(shapeMismatches(last.value, items)).toEqual([]);
  });
});
