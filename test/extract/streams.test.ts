import type { IncomingMessage, ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getObject, listAll } from "../../src/extract/graph-call.ts";
import { getUserId } from "../../src/extract/get-user-id.ts";
import { membersCall } from "../../src/sync/streams/members.ts";
import { operationsCall } from "../../src/sync/streams/operations.ts";
import { listUserChats } from "../../src/extract/list-user-chats.ts";
import { listUsers } from "../../src/extract/list-users.ts";
import type { StreamContext } from "../../src/extract/stream-context.ts";
import { buildClient, type Harness } from "./support/http-harness.ts";
import {
  loadFixture,
  sendJson,
  startTestServer,
  type TestServer,
} from "./support/graph-test-server.ts";

const guestUpn = "john_contoso.com#EXT#@fabrikam.onmicrosoft.com";
const chatId = "19:561082c0f3f847a58069deb8eb300807@thread.v2";
const encodedChat = "19%3A561082c0f3f847a58069deb8eb300807%40thread.v2";
const operationId = "2432b57b-0abd-43db-aa7b-16eadd115d34";

const chatsPage1 = loadFixture("list-chats-expand-members.json");
const chatsPage2 = loadFixture("list-chats-expand-last-message-preview.json");
const chatWithMembers = loadFixture("get-chat-expand-members.json");
const operation = loadFixture("get-chat-operation.json");
const members = chatWithMembers.members as unknown[];

describe("streams over HTTP, with Microsoft's doc examples", () => {
  let graph: TestServer;
  let harness: Harness;
  let ctx: StreamContext;

  function route(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? "";
    const self = graph.url;
    const routes: Record<string, () => void> = {
      "/v1.0/users?$select=id,userPrincipalName,displayName&$top=999": () =>
        sendJson(res, 200, {
          value: [{ id: "u1", userPrincipalName: "a@x" }, { id: guestUpn }],
          "@odata.nextLink": `${self}/v1.0/users?$skiptoken=p2`,
        }),
      [`/v1.0/users/${encodeURIComponent(guestUpn)}?$select=id`]: () =>
        sendJson(res, 200, { id: "8ea0e38b-efb3-4757-924a-5f94061cf8c2" }),
      "/v1.0/users?$skiptoken=p2": () => sendJson(res, 200, { value: [{ id: "u3" }] }),
      [`/v1.0/users/${encodeURIComponent(guestUpn)}/chats?$top=50&$expand=members,lastMessagePreview`]:
        () =>
          sendJson(res, 200, {
            ...chatsPage1,
            "@odata.nextLink": `${self}/v1.0/users/x/chats?$skiptoken=p2`,
          }),
      "/v1.0/users/x/chats?$skiptoken=p2": () =>
        sendJson(res, 200, { ...chatsPage2, "@odata.nextLink": undefined }),
      [`/v1.0/chats/${encodedChat}/members`]: () =>
        sendJson(res, 200, {
          value: members.slice(0, 2),
          "@odata.nextLink": `${self}/v1.0/chats/${encodedChat}/members?$skiptoken=m2`,
        }),
      [`/v1.0/chats/${encodedChat}/members?$skiptoken=m2`]: () =>
        sendJson(res, 200, { value: members.slice(2) }),
      [`/beta/chats/${encodedChat}/operations`]: () => sendJson(res, 200, { value: [operation] }),
      [`/beta/chats/${encodedChat}/operations/${operationId}`]: () => sendJson(res, 200, operation),
    };
    const handler = routes[url];
    if (handler) handler();
    else sendJson(res, 404, { error: { code: "NotFound", message: url } });
  }

  beforeAll(async () => {
    graph = await startTestServer(route);
    harness = buildClient(graph.url);
    ctx = { http: harness.http, baseUrl: graph.url, maxPages: 100 };
  });

  afterAll(async () => {
    await graph.close();
  });

  it("listUsers yields every user across pages", async () => {
    const ids: string[] = [];
    for await (const user of listUsers(ctx)) ids.push((user as { id: string }).id);
    expect(ids).toEqual(["u1", guestUpn, "u3"]);
    expect(harness.limiter.acquired.slice(-2)).toEqual([
      expect.objectContaining({ scope: "listUsers" }),
      expect.objectContaining({ scope: "listUsers" }),
    ]);
  });

  it("getUserId resolves a UPN to the user's object id", async () => {
    expect(await getUserId(ctx, guestUpn)).toBe("8ea0e38b-efb3-4757-924a-5f94061cf8c2");
    expect(graph.requests.at(-1)?.url).toBe(
      "/v1.0/users/john_contoso.com%23EXT%23%40fabrikam.onmicrosoft.com?$select=id",
    );
  });

  it("listUserChats encodes a guest UPN, expands members and previews, and yields raw pages", async () => {
    const pages = [];
    for await (const page of listUserChats(ctx, guestUpn)) pages.push(page);

    expect(pages.map((p) => p.items.length)).toEqual([
      (chatsPage1.value as unknown[]).length,
      (chatsPage2.value as unknown[]).length,
    ]);
    expect(pages[0]?.items[0]).toEqual((chatsPage1.value as unknown[])[0]);
    const listing = graph.requests.find((r) => r.url.includes("/chats?$top=50"));
    expect(listing?.url).toBe(
      "/v1.0/users/john_contoso.com%23EXT%23%40fabrikam.onmicrosoft.com/chats?$top=50&$expand=members,lastMessagePreview",
    );
    expect(harness.limiter.acquired.slice(-2)).toEqual([
      expect.objectContaining({ scope: "listChats", userId: guestUpn, stream: "chats" }),
      expect.objectContaining({ scope: "listChats", userId: guestUpn }),
    ]);
  });

  it("the members call returns the complete member list across pages, limited per chat", async () => {
    const all = await listAll(ctx, membersCall(chatId, "u1"));
    expect(all).toEqual(members);
    expect(harness.limiter.acquired.at(-1)).toMatchObject({
      scope: "listMembers",
      chatId,
      userId: "u1",
    });
  });

  it("the operations call asks beta for unknown enum members", async () => {
    expect(await listAll(ctx, operationsCall(chatId))).toEqual([operation]);
    const request = graph.requests.findLast((r) => r.url.endsWith("/operations"));
    expect(request?.url).toBe(`/beta/chats/${encodedChat}/operations`);
    expect(request?.headers.prefer).toBe("include-unknown-enum-members");
    expect(harness.limiter.acquired.at(-1)).toMatchObject({ scope: "listOperations", chatId });
  });

  it("one operation comes from beta with the same header", async () => {
    expect(await getObject(ctx, operationsCall(chatId, undefined, operationId))).toEqual(operation);
    const request = graph.requests.at(-1);
    expect(request?.url).toBe(`/beta/chats/${encodedChat}/operations/${operationId}`);
    expect(request?.headers.prefer).toBe("include-unknown-enum-members");
  });

  it("refuses an empty id instead of listing the wrong resource", () => {
    expect(() => listUserChats(ctx, " ")).toThrow(/user id " " cannot be used .*: it is empty/);
  });
});
