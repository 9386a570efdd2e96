/**
 * OData's key-in-parentheses addressing: `/chats('{id}')` and `/users('{id}')` reach what
 * `/chats/{id}` and `/users/{id}` reach, and the Location of `POST /chats`'s 202,
 * `/chats('…')/operations('…')`, can be polled under the version that gave it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type SimState, type Simulator } from "../../src/sim/index.ts";
import { graph } from "./support/graph-client.ts";

let sim: Simulator;
let state: SimState;
beforeAll(async () => {
  sim = await startSimulator({ rateScale: 0, users: 6 });
  state = sim.state();
});
afterAll(() => sim.close());

const seg = encodeURIComponent;
/** The same JSON without the per-request fields. */
const body = (json: Record<string, unknown> | undefined) => {
  const { "@odata.context": _context, ...rest } = json ?? {};
  return rest;
};

async function createWithApp(): Promise<string> {
  const [a, b] = state.users;
  const bind = (id: string) => ({
    "@odata.type": "#microsoft.graph.aadUserConversationMember",
    roles: ["owner"],
    "user@odata.bind": `https://graph.microsoft.com/v1.0/users('${id}')`,
  });
  const accepted = await graph(sim, "/v1.0/chats", {
    body: {
      chatType: "group",
      members: [bind(a?.id ?? ""), bind(b?.id ?? "")],
      installedApps: [
        {
          "teamsApp@odata.bind":
            "https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/12345678-9abc-def0-1234-56789abcdef0",
        },
      ],
    },
  });
  expect(accepted.status).toBe(202);
  const location = accepted.headers.get("location") ?? "";
  expect(location).toMatch(/^\/chats\('[^']+'\)\/operations\('[^']+'\)$/);
  return location;
}

describe("the 202's Location", () => {
  it("answers the operation under /v1.0 and /beta, as given", async () => {
    const location = await createWithApp();
    const [, chatId, opId] = /^\/chats\('([^']+)'\)\/operations\('([^']+)'\)$/.exec(location) ?? [];
    for (const version of ["v1.0", "beta"]) {
      const answer = await graph(sim, `/${version}${location}`);
      expect(answer.status).toBe(200);
      expect(answer.json).toMatchObject({ id: opId, operationType: "unknownFutureValue" });
      expect(answer.json?.["@odata.context"]).toBe(
        `${sim.url}/${version}/$metadata#chats('${seg(chatId ?? "")}')/operations/$entity`,
      );
    }
    const segmentForm = await graph(sim, `/beta/chats/${seg(chatId ?? "")}/operations/${opId}`);
    expect(body(segmentForm.json)).toEqual(body((await graph(sim, `/v1.0${location}`)).json));
  });

  it("keeps v1.0's segment forms and operation listing at 400", async () => {
    const location = await createWithApp();
    const [, chatId, opId] = /^\/chats\('([^']+)'\)\/operations\('([^']+)'\)$/.exec(location) ?? [];
    const chat = seg(chatId ?? "");
    for (const path of [
      `/v1.0/chats/${chat}/operations`,
      `/v1.0/chats/${chat}/operations/${opId}`,
      `/v1.0/chats('${chat}')/operations`,
      `/v1.0/chats('${chat}')/operations/${opId}`,
    ]) {
      expect({ path, status: (await graph(sim, path)).status }).toEqual({ path, status: 400 });
    }
  });

  it("answers 404 for an operation or a chat that does not exist", async () => {
    const location = await createWithApp();
    const chatPart = location.slice(0, location.indexOf("/operations"));
    expect((await graph(sim, `/v1.0${chatPart}/operations('nope')`)).status).toBe(404);
    expect((await graph(sim, `/beta/chats('19:nope@thread.v2')/operations('x')`)).status).toBe(404);
  });
});

describe("chats('{id}') and users('{id}')", () => {
  it("address the same chat, members and user as the segment forms, under both versions", async () => {
    const chat = state.chats.find((c) => c.chatType === "group") ?? state.chats[0];
    const user = state.users.find((u) => chat !== undefined && u.id in chat.viewpoints);
    if (!chat || !user) throw new Error("no group chat with a user");
    for (const version of ["v1.0", "beta"]) {
      const pairs: [string, string][] = [
        [`/chats/${seg(chat.id)}`, `/chats('${seg(chat.id)}')`],
        [`/chats/${seg(chat.id)}/members`, `/chats('${seg(chat.id)}')/members`],
        [`/users/${user.id}`, `/users('${user.id}')`],
        [`/users/${user.id}/chats?$top=5`, `/users('${user.id}')/chats?$top=5`],
        [
          `/users/${user.id}/chats/${seg(chat.id)}?$expand=members`,
          `/users('${user.id}')/chats('${seg(chat.id)}')?$expand=members`,
        ],
      ];
      for (const [segmentForm, keyForm] of pairs) {
        const [a, b] = [
          await graph(sim, `/${version}${segmentForm}`),
          await graph(sim, `/${version}${keyForm}`),
        ];
        expect({ keyForm, status: b.status }).toEqual({ keyForm, status: 200 });
        expect(a.status).toBe(200);
        const strip = (json: Record<string, unknown> | undefined) => {
          const { "@odata.nextLink": _next, ...rest } = body(json);
          return rest;
        };
        expect(strip(b.json)).toEqual(strip(a.json));
      }
    }
  });

  it("answers 404 for a chat or user that does not exist, as the segment form does", async () => {
    expect((await graph(sim, `/v1.0/chats('19:nope@thread.v2')`)).status).toBe(404);
    expect((await graph(sim, `/v1.0/users('nobody')/chats`)).status).toBe(
      (await graph(sim, `/v1.0/users/nobody/chats`)).status,
    );
    expect((await graph(sim, `/v1.0/chats(19:unquoted)`)).status).toBe(400);
  });
});
