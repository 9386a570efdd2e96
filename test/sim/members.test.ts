import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  EXPANDED_MEMBER_CAP,
  startSimulator,
  type SimState,
  type Simulator,
} from "../../src/sim/index.ts";
import { chatsPath, errorOf, graph, walk } from "./support/graph-client.ts";

let sim: Simulator;
let state: SimState;
beforeAll(async () => {
  sim = await startSimulator({ rateScale: 0, largeGroupShare: 0.5, chatsPerUser: 20 });
  state = sim.state();
});
afterAll(() => sim.close());

describe("members", () => {
  it("caps the members expansion at the first 25, while GET /chats/{id}/members pages through all of them", async () => {
    const chats = state.chats.filter((c) => Object.keys(c.viewpoints).length > 0);
    expect(chats.some((c) => c.members.length > 25)).toBe(true);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...chats),
        fc.integer({ min: 1, max: 120 }),
        async (chat, top) => {
          const user = Object.keys(chat.viewpoints)[0] ?? "";
          const got = await graph(
            sim,
            `${chatsPath(user)}/${encodeURIComponent(chat.id)}?$expand=members`,
          );
          const expanded = got.json?.members as { id: string }[];
          expect(expanded.map((m) => m.id)).toEqual(
            chat.members.slice(0, EXPANDED_MEMBER_CAP).map((m) => m.id),
          );
          const { items, pages } = await walk(
            sim,
            `/v1.0/chats/${encodeURIComponent(chat.id)}/members?$top=${top}`,
          );
          expect(items.map((m) => m.id)).toEqual(chat.members.map((m) => m.id));
          expect(pages).toHaveLength(Math.max(1, Math.ceil(chat.members.length / top)));
        },
      ),
      { numRuns: 30 },
    );
  });

  it("caps the expansion in list responses too", async () => {
    for (const user of state.users.slice(0, 5)) {
      const { items } = await walk(sim, chatsPath(user.id, "$expand=members&$top=50"));
      for (const item of items) {
        const chat = state.chats.find((c) => c.id === item.id);
        expect((item.members as unknown[]).length).toBe(Math.min(25, chat?.members.length ?? -1));
      }
    }
  });

  it("sends every member subtype with its own properties and @odata.type first", async () => {
    const members: Record<string, unknown>[] = [];
    for (const chat of state.chats)
      members.push(
        ...(await walk(sim, `/v1.0/chats/${encodeURIComponent(chat.id)}/members`)).items,
      );
    const byType = new Map(members.map((m) => [m["@odata.type"], m]));
    expect(Object.keys(byType.get("#microsoft.graph.aadUserConversationMember") ?? {})).toEqual([
      "@odata.type",
      "id",
      "roles",
      "displayName",
      "visibleHistoryStartDateTime",
      "userId",
      "email",
      "tenantId",
    ]);
    expect(byType.get("#microsoft.graph.anonymousGuestConversationMember")).toHaveProperty(
      "anonymousGuestId",
    );
    expect(byType.get("#microsoft.graph.phoneUserConversationMember")).toHaveProperty(
      "phoneNumber",
    );
    expect(byType.get("#microsoft.graph.skypeUserConversationMember")).toHaveProperty("skypeId");
    expect(byType.get("#microsoft.graph.skypeForBusinessUserConversationMember")).toHaveProperty(
      "tenantId",
    );
    expect(byType.get("#microsoft.graph.microsoftAccountUserConversationMember")).toHaveProperty(
      "userId",
    );
    expect(
      byType.get("#microsoft.graph.azureCommunicationServicesUserConversationMember"),
    ).toHaveProperty("azureCommunicationServicesId");
  });

  it("answers 404 for members of an unknown chat, and for a user not in the chat", async () => {
    const missing = await graph(sim, "/v1.0/chats/19:nope@thread.v2/members");
    expect(missing.status).toBe(404);
    expect(errorOf(missing).code).toBe("NotFound");
    const chat = state.chats.find((c) => Object.keys(c.viewpoints).length < state.users.length);
    const outsider = state.users.find((u) => !(u.id in (chat?.viewpoints ?? {})));
    expect(outsider).toBeDefined();
    const answer = await graph(
      sim,
      `${chatsPath(outsider?.id ?? "")}/${encodeURIComponent(chat?.id ?? "")}/members`,
    );
    expect(answer.status).toBe(404);
  });
});

describe("GET a single chat", () => {
  it("sends the caller's viewpoint on /users/{id}/chats/{id} and none on app-only /chats/{id}", async () => {
    const chat = state.chats.find((c) => Object.keys(c.viewpoints).length > 1);
    const [userId, viewpoint] = Object.entries(chat?.viewpoints ?? {})[0] ?? [];
    const perUser = await graph(
      sim,
      `${chatsPath(userId ?? "")}/${encodeURIComponent(chat?.id ?? "")}`,
    );
    expect(perUser.json?.[chat?.viewpointProperty ?? ""]).toEqual(viewpoint);
    expect(perUser.json?.["@odata.context"]).toBe(`${sim.url}/v1.0/$metadata#chats/$entity`);
    const appOnly = await graph(sim, `/v1.0/chats/${encodeURIComponent(chat?.id ?? "")}`);
    expect(appOnly.json).not.toHaveProperty("viewpoint");
    expect(appOnly.json).not.toHaveProperty("chatViewpoint");
    expect(appOnly.json?.lastUpdatedDateTime).toBe(chat?.lastUpdatedDateTime);
  });

  it("sends the preview with its own @odata.context, and null for a chat without messages", async () => {
    const silent = state.chats.find((c) => c.lastMessagePreview === null);
    const answer = await graph(
      sim,
      `/v1.0/chats/${encodeURIComponent(silent?.id ?? "")}?$expand=lastMessagePreview`,
    );
    expect(answer.json?.lastMessagePreview).toBeNull();
    expect(answer.json?.["lastMessagePreview@odata.context"]).toMatch(
      /\/lastMessagePreview\/\$entity$/,
    );
  });

  it("refuses GET /chats with application permissions and operations on v1.0", async () => {
    expect((await graph(sim, "/v1.0/chats")).status).toBe(400);
    const chat = state.chats.find((c) => c.operations.length > 0);
    expect(
      (await graph(sim, `/v1.0/chats/${encodeURIComponent(chat?.id ?? "")}/operations`)).status,
    ).toBe(400);
  });
});
