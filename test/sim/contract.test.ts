/**
 * Contract tests: for every example of Graph's docs in test/fixtures/graph, the same
 * kind of request to the simulator must answer with the same property names and value
 * types (the rule is in support/shape.ts). Collections compare their envelope with one
 * page, and each fixture item with the pool of items the simulator returns for that
 * request across all users ("the simulator can produce every shape the docs show").
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type SimState, type Simulator } from "../../src/sim/index.ts";
import { chatsPath, graph, walk } from "./support/graph-client.ts";
import { shapeMismatches } from "./support/shape.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const fixtureDir = path.resolve(repoRoot, "test/fixtures/graph");
type Json = Record<string, unknown>;
const fixture = (name: string): Json =>
  JSON.parse(readFileSync(path.join(fixtureDir, name), "utf8")) as Json;
const INCLUDE_UNKNOWN = { Prefer: "include-unknown-enum-members" };

/** The users the request fixtures bind must exist: add them with the fixtures' ids. */
function boundUserIds(): string[] {
  const ids = new Set<string>();
  for (const name of readdirSync(fixtureDir).filter((f) => f.endsWith(".request.json"))) {
    for (const match of readFileSync(path.join(fixtureDir, name), "utf8").matchAll(
      /users\('([^']+)'\)/g,
    )) {
      if (match[1]) ids.add(match[1]);
    }
  }
  return [...ids];
}

let sim: Simulator;
let state: SimState;

beforeAll(async () => {
  sim = await startSimulator({ rateScale: 0, extraUsers: boundUserIds().map((id) => ({ id })) });
  state = sim.state();
});
afterAll(() => sim.close());

const without = (json: Json, ...keys: string[]): Json =>
  Object.fromEntries(Object.entries(json).filter(([k]) => !keys.includes(k)));

/** Compares a collection fixture: envelope against one page, items against the pool of all users' items. */
async function expectCollection(
  name: string,
  query: string,
  envelopeTop: number,
  users = state.users.map((u) => u.id),
) {
  const expected = fixture(name);
  const counts = users.map((id) => ({ id, n: sim.tenant.chatIdsOfUser(id).length }));
  const busiest = counts.sort((a, b) => b.n - a.n)[0];
  if (!busiest) throw new Error("no users");
  const sep = query === "" ? "" : "&";
  const page = await graph(sim, chatsPath(busiest.id, `${query}${sep}$top=${envelopeTop}`));
  expect(page.status).toBe(200);
  expect(shapeMismatches(without(expected, "value"), page.json)).toEqual([]);
  const pool: Json[] = [];
  for (const id of users) pool.push(...(await walk(sim, chatsPath(id, query))).items);
  expect(shapeMismatches(expected.value, pool)).toEqual([]);
}

/** A single-entity fixture matches at least one of the candidates' answers. */
async function expectSomeEntity(
  name: string,
  paths: string[],
  headers: Record<string, string> = {},
  strip: string[] = [],
) {
  const expected = without(fixture(name), ...strip);
  expect(paths.length).toBeGreaterThan(0);
  const answers: Json[] = [];
  for (const p of paths) {
    const answer = await graph(sim, p, { headers });
    expect(answer.status, `${p}: ${answer.text}`).toBe(200);
    if (answer.json) answers.push(answer.json);
  }
  expect(shapeMismatches([expected], answers)).toEqual([]);
}

function chatGets(chatType: string, query = ""): { perUser: string[]; appOnly: string[] } {
  const chats = state.chats
    .filter((c) => c.chatType === chatType && Object.keys(c.viewpoints).length > 0)
    .slice(0, 40);
  const q = query === "" ? "" : `?${query}`;
  return {
    perUser: chats.map(
      (c) => `${chatsPath(Object.keys(c.viewpoints)[0] ?? "")}/${encodeURIComponent(c.id)}${q}`,
    ),
    appOnly: chats.map((c) => `/v1.0/chats/${encodeURIComponent(c.id)}${q}`),
  };
}

describe("the simulator answers like Graph's documented examples", () => {
  it("covers every fixture file", () => {
    const covered = [
      "create-chat-group-with-apps.request.json",
      "create-chat-group.request.json",
      "create-chat-group.response.json",
      "create-chat-one-on-one.request.json",
      "create-chat-one-on-one.response.json",
      "get-chat-expand-last-message-preview.json",
      "get-chat-expand-members.json",
      "get-chat-group.json",
      "get-chat-meeting.json",
      "get-chat-one-on-one.json",
      "get-chat-operation.json",
      "list-chats-expand-last-message-preview.json",
      "list-chats-expand-members.json",
      "list-chats-filter-installed-app.json",
      "list-chats-orderby-last-message.json",
      "list-chats.json",
      "teams-async-operation-shape.json",
      // Checked in message-contract.test.ts.
      "get-all-messages-delta-last.json",
      "get-all-messages-delta.json",
      "get-all-messages.json",
      "get-chat-message.json",
      "list-chat-messages-include-unknown.json",
      "list-chat-messages.json",
    ].sort();
    expect(
      readdirSync(fixtureDir)
        .filter((f) => f.endsWith(".json"))
        .sort(),
    ).toEqual(covered);
  });

  it("list-chats.json: GET /users/{id}/chats", () => expectCollection("list-chats.json", "", 50));

  it("list-chats-expand-members.json: $expand=members", () =>
    expectCollection("list-chats-expand-members.json", "$expand=members", 50));

  it("list-chats-expand-last-message-preview.json: $expand=lastMessagePreview, with a nextLink", () =>
    expectCollection(
      "list-chats-expand-last-message-preview.json",
      "$expand=lastMessagePreview",
      3,
    ));

  it("list-chats-orderby-last-message.json: $orderby=lastMessagePreview/createdDateTime desc, with a nextLink", () =>
    expectCollection(
      "list-chats-orderby-last-message.json",
      "$orderby=lastMessagePreview/createdDateTime desc",
      2,
    ));

  it("list-chats-filter-installed-app.json: $filter=installedApps/any(...)", async () => {
    const chat =
      state.chats.find((c) => c.installedAppIds.length > 0 && c.chatType === "oneOnOne") ??
      state.chats.find((c) => c.installedAppIds.length > 0);
    if (!chat) throw new Error("the default tenant has no chat with an installed app");
    const filter = `$filter=${encodeURIComponent(`installedApps/any(a:a/teamsApp/id eq '${chat.installedAppIds[0] ?? ""}')`)}`;
    await expectCollection(
      "list-chats-filter-installed-app.json",
      filter,
      50,
      Object.keys(chat.viewpoints),
    );
  });

  it("get-chat-group.json: GET /users/{id}/chats/{id}, and GET /chats/{id} without the caller's viewpoint", async () => {
    const { perUser, appOnly } = chatGets("group");
    await expectSomeEntity("get-chat-group.json", perUser);
    await expectSomeEntity("get-chat-group.json", appOnly, {}, ["viewpoint"]);
  });

  it("get-chat-one-on-one.json", async () => {
    const { perUser, appOnly } = chatGets("oneOnOne");
    await expectSomeEntity("get-chat-one-on-one.json", perUser);
    await expectSomeEntity("get-chat-one-on-one.json", appOnly, {}, ["viewpoint"]);
  });

  it("get-chat-meeting.json", async () => {
    const { perUser } = chatGets("meeting");
    await expectSomeEntity("get-chat-meeting.json", perUser);
  });

  it("get-chat-expand-members.json: $expand=members", async () => {
    await expectSomeEntity(
      "get-chat-expand-members.json",
      chatGets("group", "$expand=members").perUser,
    );
  });

  it("get-chat-expand-last-message-preview.json: $expand=lastMessagePreview", async () => {
    await expectSomeEntity(
      "get-chat-expand-last-message-preview.json",
      chatGets("group", "$expand=lastMessagePreview").perUser,
    );
  });

  it("get-chat-operation.json: GET /beta/chats/{id}/operations/{id}", async () => {
    const paths = state.chats.flatMap((c) =>
      c.operations.map(
        (op) => `/beta/chats/${encodeURIComponent(c.id)}/operations/${encodeURIComponent(op.id)}`,
      ),
    );
    await expectSomeEntity("get-chat-operation.json", paths, INCLUDE_UNKNOWN);
  });

  it("teams-async-operation-shape.json: every listed operation has the documented properties", async () => {
    const shape = fixture("teams-async-operation-shape.json");
    const operations: Json[] = [];
    for (const chat of state.chats.filter((c) => c.operations.length > 0)) {
      operations.push(
        ...(await walk(sim, `/beta/chats/${encodeURIComponent(chat.id)}/operations`)).items,
      );
    }
    expect(operations.length).toBeGreaterThan(0);
    expect(shapeMismatches([shape], operations, { descriptors: true })).toEqual([]);
    for (const operation of operations) {
      expect(
        shapeMismatches(shape, operation, { descriptors: true }).filter((p) =>
          p.endsWith("missing"),
        ),
      ).toEqual([]);
    }
  });

  it("create-chat-one-on-one: POST /chats answers 201 like the response example, and the same pair again gives the same chat", async () => {
    const created = await graph(sim, "/v1.0/chats", {
      body: fixture("create-chat-one-on-one.request.json"),
    });
    expect(created.status).toBe(201);
    expect(shapeMismatches(fixture("create-chat-one-on-one.response.json"), created.json)).toEqual(
      [],
    );
    const again = await graph(sim, "/v1.0/chats", {
      body: fixture("create-chat-one-on-one.request.json"),
    });
    expect(again.status).toBe(201);
    expect(again.json?.id).toBe(created.json?.id);
  });

  it("create-chat-group: POST /chats answers 201 like the response example", async () => {
    const created = await graph(sim, "/v1.0/chats", {
      body: fixture("create-chat-group.request.json"),
    });
    expect(created.status).toBe(201);
    expect(shapeMismatches(fixture("create-chat-group.response.json"), created.json)).toEqual([]);
    expect(created.json?.topic).toBe("Group chat title");
  });

  it("create-chat-group-with-apps: 202 with a Location to an operation shaped like get-chat-operation.json", async () => {
    const accepted = await graph(sim, "/v1.0/chats", {
      body: fixture("create-chat-group-with-apps.request.json"),
    });
    expect(accepted.status).toBe(202);
    expect(accepted.text).toBe("");
    const location = accepted.headers.get("location") ?? "";
    const match = /^\/chats\('(19:[^']+@thread\.v2)'\)\/operations\('([^']+)'\)$/.exec(location);
    expect(match, location).not.toBeNull();
    sim.advanceTime(60_000);
    const operation = await graph(
      sim,
      `/beta${location.replace(/\('([^']+)'\)/g, (_, id: string) => `/${encodeURIComponent(id)}`)}`,
      {
        headers: INCLUDE_UNKNOWN,
      },
    );
    expect(operation.status).toBe(200);
    expect(shapeMismatches(fixture("get-chat-operation.json"), operation.json)).toEqual([]);
    expect(operation.json).toMatchObject({
      status: "succeeded",
      operationType: "createChat",
      targetResourceId: match?.[1],
    });
  });
});
