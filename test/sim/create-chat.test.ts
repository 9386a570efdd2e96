import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type SimUser, type Simulator } from "../../src/sim/index.ts";
import { chatsPath, errorOf, graph } from "./support/graph-client.ts";

let sim: Simulator;
let users: SimUser[];
beforeAll(async () => {
  sim = await startSimulator({ rateScale: 0, users: 12 });
  users = sim.state().users;
});
afterAll(() => sim.close());

const member = (userId: string, roles: string[] = ["owner"]) => ({
  "@odata.type": "#microsoft.graph.aadUserConversationMember",
  roles,
  "user@odata.bind": `https://graph.microsoft.com/v1.0/users('${userId}')`,
});
const ids = () => users.map((u) => u.id);

describe("POST /chats", () => {
  it("creates a group chat (201) that appears in every member's listing, with no preview yet", async () => {
    const [a, b, c] = ids();
    const created = await graph(sim, "/v1.0/chats", {
      body: {
        chatType: "group",
        topic: "New",
        members: [member(a ?? ""), member(b ?? ""), member(c ?? "", [])],
      },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      chatType: "group",
      topic: "New",
      "@odata.context": `${sim.url}/v1.0/$metadata#chats/$entity`,
    });
    expect(created.json?.createdDateTime).toBe(created.json?.lastUpdatedDateTime);
    const id = created.json?.id as string;
    for (const user of [a, b, c]) expect(sim.tenant.chatIdsOfUser(user ?? "")).toContain(id);
    expect(sim.tenant.chat(id)?.lastMessagePreview).toBeNull();
    const listed = await graph(
      sim,
      `${chatsPath(a ?? "")}/${encodeURIComponent(id)}?$expand=lastMessagePreview`,
    );
    expect(listed.json?.lastMessagePreview).toBeNull();
  });

  it("rejects bodies Graph rejects, with 400 and a Graph error", async () => {
    const [a, b, c] = ids().map((id) => member(id));
    const bodies: unknown[] = [
      "not json",
      {},
      { chatType: "meeting", members: [a, b] },
      { chatType: "oneOnOne", members: [a] },
      { chatType: "oneOnOne", members: [a, b, c] },
      { chatType: "oneOnOne", topic: "no topics here", members: [a, b] },
      { chatType: "group", members: [a] },
      { chatType: "group", members: [a, a] },
      {
        chatType: "group",
        members: [a, { ...b, "@odata.type": "#microsoft.graph.anonymousGuestConversationMember" }],
      },
      {
        chatType: "group",
        members: [a, { "@odata.type": "#microsoft.graph.aadUserConversationMember", roles: [] }],
      },
      { chatType: "group", members: [a, member("00000000-0000-4000-8000-000000000000")] },
      {
        chatType: "group",
        members: [a, b],
        installedApps: [
          { "teamsApp@odata.bind": "x/teamsApps/1" },
          { "teamsApp@odata.bind": "x/teamsApps/2" },
        ],
      },
    ];
    for (const body of bodies) {
      const answer = await graph(sim, "/v1.0/chats", { body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(errorOf(answer).code).toBe("BadRequest");
      expect(answer.json?.error).toHaveProperty("innerError.request-id");
    }
  });

  it("accepts any valid member set: oneOnOne needs exactly 2, group at least 2", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 0, max: 11 }), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        async (picks, oneOnOne) => {
          const members = picks.map((i) => member(ids()[i] ?? ""));
          const answer = await graph(sim, "/v1.0/chats", {
            body: { chatType: oneOnOne ? "oneOnOne" : "group", members },
          });
          const valid = oneOnOne ? picks.length === 2 : picks.length >= 2;
          expect(answer.status).toBe(valid ? 201 : 400);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("with installedApps answers 202 and a Location whose operation goes notStarted -> inProgress -> succeeded as time passes", async () => {
    const [a, b] = ids();
    const appId = "12345678-9abc-def0-1234-56789abcdef0";
    const accepted = await graph(sim, "/v1.0/chats", {
      body: {
        chatType: "group",
        members: [member(a ?? ""), member(b ?? "")],
        installedApps: [
          {
            "teamsApp@odata.bind": `https://graph.microsoft.com/beta/appCatalogs/teamsApps/${appId}`,
          },
        ],
      },
    });
    expect(accepted.status).toBe(202);
    const [, chatId, opId] =
      /^\/chats\('([^']+)'\)\/operations\('([^']+)'\)$/.exec(
        accepted.headers.get("location") ?? "",
      ) ?? [];
    const poll = async () => {
      const answer = await graph(
        sim,
        `/beta/chats/${encodeURIComponent(chatId ?? "")}/operations/${opId ?? ""}`,
        {
          headers: { Prefer: "include-unknown-enum-members" },
        },
      );
      expect(answer.status).toBe(200);
      return answer.json ?? {};
    };
    expect(await poll()).toMatchObject({
      status: "notStarted",
      operationType: "createChat",
      attemptsCount: 0,
    });
    sim.advanceTime(5_000);
    expect(await poll()).toMatchObject({ status: "inProgress", attemptsCount: 1 });
    expect(sim.tenant.chat(chatId ?? "")?.installedAppIds).toEqual([]);
    sim.advanceTime(30_000);
    const done = await poll();
    expect(done).toMatchObject({
      status: "succeeded",
      targetResourceId: chatId,
      targetResourceLocation: `/chats('${chatId}')`,
      error: null,
    });
    expect(Date.parse(done.lastActionDateTime as string)).toBeGreaterThan(
      Date.parse(done.createdDateTime as string),
    );
    expect(sim.tenant.chat(chatId ?? "")?.installedAppIds).toEqual([appId]);
    const filtered = await graph(
      sim,
      chatsPath(
        a ?? "",
        `$filter=${encodeURIComponent(`installedApps/any(x:x/teamsApp/id eq '${appId}')`)}`,
      ),
    );
    expect((filtered.json?.value as { id: string }[]).map((c) => c.id)).toEqual([chatId]);
  });
});

describe("chat operations (beta)", () => {
  it("list with $top/$skip and $filter, answer 200, and hide evolvable enum members unless asked for", async () => {
    const chat = sim.state().chats.find((c) => c.operations.length >= 3);
    if (!chat) throw new Error("no chat with 3 operations");
    const base = `/beta/chats/${encodeURIComponent(chat.id)}/operations`;
    const all = await graph(sim, base, { headers: { Prefer: "include-unknown-enum-members" } });
    expect(all.status).toBe(200);
    expect(all.headers.get("preference-applied")).toBe("include-unknown-enum-members");
    expect((all.json?.value as { id: string }[]).map((o) => o.id)).toEqual(
      chat.operations.map((o) => o.id),
    );
    const page = await graph(sim, `${base}?$top=1&$skip=1`);
    expect((page.json?.value as { id: string }[]).map((o) => o.id)).toEqual([
      chat.operations[1]?.id,
    ]);
    expect(new URL(page.json?.["@odata.nextLink"] as string).searchParams.get("$skip")).toBe("2");
    const status = chat.operations[0]?.status ?? "";
    const filtered = await graph(
      sim,
      `${base}?$filter=${encodeURIComponent(`status eq '${status}'`)}`,
    );
    expect((filtered.json?.value as { status: string }[]).every((o) => o.status === status)).toBe(
      true,
    );
    expect(
      (await graph(sim, `${base}?$filter=${encodeURIComponent("attemptsCount gt 1")}`)).status,
    ).toBe(400);

    const evolvable = [
      "teamifyGroup",
      "createChannel",
      "archiveChannel",
      "unarchiveChannel",
      "createChat",
    ];
    const everywhere = sim
      .state()
      .chats.flatMap((c) => c.operations.map((o) => ({ chat: c.id, op: o })));
    const target = everywhere.find((x) => evolvable.includes(x.op.operationType));
    if (!target) throw new Error("no operation with an evolvable type");
    const path = `/beta/chats/${encodeURIComponent(target.chat)}/operations/${target.op.id}`;
    expect((await graph(sim, path)).json?.operationType).toBe("unknownFutureValue");
    const asked = await graph(sim, path, { headers: { Prefer: "include-unknown-enum-members" } });
    expect(asked.json?.operationType).toBe(target.op.operationType);
  });
});
