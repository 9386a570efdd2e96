import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGraphExtractor, defineGraphConfig } from "../../src/extract/index.ts";
import {
  graphError,
  loadFixture,
  sendJson,
  startTestServer,
  type TestServer,
} from "./support/graph-test-server.ts";
import { membersCall } from "../../src/sync/streams/members.ts";
import { operationsCall } from "../../src/sync/streams/operations.ts";

const token = "extractor-test-token-5d1e";
const users = ["u1", "u2@contoso.com", "u3"];
const chatsPage1 = loadFixture("list-chats-expand-members.json");
const chatsPage2 = loadFixture("list-chats-expand-last-message-preview.json");
const members = loadFixture("get-chat-expand-members.json").members as unknown[];
const operation = loadFixture("get-chat-operation.json");
const chatIds = [
  ...(chatsPage1.value as { id: string }[]),
  ...(chatsPage2.value as { id: string }[]),
].map((c) => c.id);

describe("createGraphExtractor over a loopback Graph serving the doc examples", () => {
  let graph: TestServer;
  const arrivals: { url: string; atMs: number; status: number }[] = [];
  let throttled = false;

  beforeAll(async () => {
    graph = await startTestServer((req, res) => {
      const url = new URL(req.url ?? "", graph.url);
      const at = Date.now();
      const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        arrivals.push({ url: url.pathname + url.search, atMs: at, status });
        sendJson(res, status, body, headers);
      };
      if (req.headers.authorization !== `Bearer ${token}`)
        return reply(401, graphError("Unauthorized", "no"));
      const parts = url.pathname.split("/").map(decodeURIComponent);
      if (url.pathname === "/v1.0/users") {
        return url.searchParams.has("$skiptoken")
          ? reply(200, { value: users.slice(2).map((id) => ({ id })) })
          : reply(200, {
              value: users.slice(0, 2).map((id) => ({ id })),
              "@odata.nextLink": `${graph.url}/v1.0/users?$skiptoken=2`,
            });
      }
      if (parts[2] === "users" && parts[4] === "chats") {
        // One 429 on the first user's second page, as Graph does under load.
        if (url.searchParams.has("$skiptoken") && parts[3] === "u1" && !throttled) {
          throttled = true;
          return reply(429, graphError("TooManyRequests", "slow down"), { "retry-after": "0.08" });
        }
        return url.searchParams.has("$skiptoken")
          ? reply(200, { ...chatsPage2, "@odata.nextLink": undefined })
          : reply(200, {
              ...chatsPage1,
              "@odata.nextLink": `${graph.url}${url.pathname}?$skiptoken=p2`,
            });
      }
      if (parts[1] === "v1.0" && parts[2] === "chats" && parts[4] === "members")
        return reply(200, { value: members });
      if (parts[1] === "beta" && parts[4] === "operations" && parts[5] === undefined) {
        return reply(200, { value: [operation] });
      }
      if (parts[1] === "beta" && parts[4] === "operations") return reply(200, operation);
      reply(404, graphError("NotFound", url.pathname));
    });
  });

  afterAll(async () => {
    await graph.close();
  });

  it("lists users, every user's chats with paging, members and operations, and honours a 429", async () => {
    const logLines: string[] = [];
    const config = defineGraphConfig({
      baseUrl: graph.url,
      auth: { kind: "static", token },
      rateLimits: { scale: 50 },
      requestTimeoutMs: 5000,
    });
    const extractor = createGraphExtractor(config, {
      logger: pino({ level: "debug" }, { write: (line: string) => void logLines.push(line) }),
    });

    const seen = { users: 0, chats: 0, members: 0, operations: 0, polled: 0 };
    for await (const user of extractor.listUsers()) {
      const userId = (user as { id: string }).id;
      seen.users++;
      for await (const page of extractor.listUserChats(userId)) {
        for (const chat of page.items as { id: string }[]) {
          seen.chats++;
          seen.members += (await extractor.listAll(membersCall(chat.id, userId))).length;
          const operations = (await extractor.listAll(operationsCall(chat.id, userId))) as {
            id: string;
          }[];
          seen.operations += operations.length;
          for (const op of operations) {
            await extractor.getObject(operationsCall(chat.id, userId, op.id));
            seen.polled++;
          }
        }
      }
    }

    expect(seen).toEqual({
      users: 3,
      chats: 3 * chatIds.length,
      members: 3 * chatIds.length * members.length,
      operations: 3 * chatIds.length,
      polled: 3 * chatIds.length,
    });
    const throttledAt = arrivals.findIndex((a) => a.status === 429);
    const retry = arrivals.slice(throttledAt + 1).find((a) => a.url === arrivals[throttledAt]?.url);
    expect(retry?.status).toBe(200);
    expect((retry?.atMs ?? 0) - (arrivals[throttledAt]?.atMs ?? 0)).toBeGreaterThanOrEqual(75);
    expect(extractor.counters()).toEqual({ requests: arrivals.length, throttled: 1, retries: 1 });
    expect(logLines.join("")).toContain('"msg":"retrying graph request"');
    expect(logLines.join("")).not.toContain(token);
  });
});
