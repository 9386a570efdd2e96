/**
 * Ids become URL path segments. encodeURIComponent leaves '.' alone, so `.` and `..` would
 * be dot segments that the URL resolves away (`/v1.0/chats/../members` is
 * `/v1.0/members`), and the answer would be stored as that chat's data. Every call refuses
 * an id that cannot be one segment, before any request and without a retry.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GraphProtocolError } from "../../src/errors.ts";
import { getObject, listAll } from "../../src/extract/graph-call.ts";
import { getUserId } from "../../src/extract/get-user-id.ts";
import { membersCall } from "../../src/sync/streams/members.ts";
import { operationsCall } from "../../src/sync/streams/operations.ts";
import { listUserChats } from "../../src/extract/list-user-chats.ts";
import type { StreamContext } from "../../src/extract/stream-context.ts";
import { sendJson, startTestServer, type TestServer } from "./support/graph-test-server.ts";
import { buildClient, type Harness } from "./support/http-harness.ts";

const unsafeIds: [string, RegExp][] = [
  [".", /it is a dot segment/],
  ["..", /it is a dot segment/],
  ["", /it is empty/],
  ["  ", /it is empty/],
  ["19:abc\u0000@thread.v2", /control characters/],
  ["19:abc\n@thread.v2", /control characters/],
  ["19:\uD800abc@thread.v2", /not well-formed Unicode/],
];

const calls: Record<string, (ctx: StreamContext, id: string) => Promise<unknown>> = {
  "listUserChats (user id)": async (ctx, id) => {
    for await (const _page of listUserChats(ctx, id)) {
      // consume
    }
  },
  "getUserId (user id or UPN)": (ctx, id) => getUserId(ctx, id),
  "members (chat id)": (ctx, id) => listAll(ctx, membersCall(id)),
  "operations (chat id)": (ctx, id) => listAll(ctx, operationsCall(id)),
  "one operation (chat id)": (ctx, id) => getObject(ctx, operationsCall(id, undefined, "op-1")),
  "one operation (operation id)": (ctx, id) =>
    getObject(ctx, operationsCall("19:a@thread.v2", undefined, id)),
};

describe("ids that cannot be one URL path segment", () => {
  let graph: TestServer;
  let harness: Harness;
  let ctx: StreamContext;

  beforeAll(async () => {
    // Answers everything, as Graph would answer /v1.0/members or /v1.0/chats.
    graph = await startTestServer((_req, res) =>
      sendJson(res, 200, { value: [{ id: "x" }], id: "x" }),
    );
    harness = buildClient(graph.url);
    ctx = { http: harness.http, baseUrl: graph.url, maxPages: 10 };
  });
  afterAll(() => graph.close());

  for (const [call, run] of Object.entries(calls)) {
    it(`${call} refuses each one before any request, naming it`, async () => {
      for (const [id, reason] of unsafeIds) {
        const error = await Promise.resolve()
          .then(() => run(ctx, id))
          .catch((e: unknown) => e);
        expect(error, JSON.stringify(id)).toBeInstanceOf(GraphProtocolError);
        expect((error as GraphProtocolError).retryable).toBe(false);
        expect((error as Error).message).toContain(JSON.stringify(id));
        expect((error as Error).message).toMatch(reason);
      }
      expect(graph.requests).toEqual([]);
      expect(harness.tokenRequests()).toBe(0);
    });
  }

  it("names a long id cut short, and still sends ids with dots inside them", async () => {
    const long = `.${"x".repeat(5000)}\u0007`;
    const error = await listAll(ctx, membersCall(long)).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/"\.x{79}…" \(5002 characters\)/);
    expect((error as Error).message.length).toBeLessThan(400);

    await listAll(ctx, membersCall("..."));
    await getUserId(ctx, "first.last@contoso.com");
    expect(graph.requests.map((r) => r.url)).toEqual([
      "/v1.0/chats/.../members",
      "/v1.0/users/first.last%40contoso.com?$select=id",
    ]);
  });
});
