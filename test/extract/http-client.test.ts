import { afterEach, describe, expect, it } from "vitest";
import { GraphHttpError, GraphProtocolError } from "../../src/errors.ts";
import { buildClient, testToken } from "./support/http-harness.ts";
import {
  graphError,
  sendJson,
  startTestServer,
  type TestServer,
} from "./support/graph-test-server.ts";

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const servers: TestServer[] = [];

async function server(handler: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  const started = await startTestServer(handler);
  servers.push(started);
  return started;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const users = { value: [{ id: "u1" }] };
const options = { scope: "listUsers", stream: "users" } as const;

describe("graph http client", () => {
  it("sends the bearer token, a fresh client-request-id and Accept, and returns body, status and request-id", async () => {
    const graph = await server((_req, res, i) =>
      sendJson(res, 200, users, { "request-id": `graph-req-${i}` }),
    );
    const { http } = buildClient(graph.url);

    const first = await http.getJson(`${graph.url}/v1.0/users`, options);
    const second = await http.getJson(`${graph.url}/v1.0/users`, options);

    expect(first).toMatchObject({ body: users, status: 200, requestId: "graph-req-0" });
    expect(second.requestId).toBe("graph-req-1");
    const [a, b] = graph.requests;
    expect(a?.headers.authorization).toBe(`Bearer ${testToken}`);
    expect(a?.headers.accept).toBe("application/json");
    expect(a?.headers["client-request-id"]).toMatch(guid);
    expect(b?.headers["client-request-id"]).toMatch(guid);
    expect(a?.headers["client-request-id"]).not.toBe(b?.headers["client-request-id"]);
    expect(first.clientRequestId).toBe(a?.headers["client-request-id"]);
  });

  it("refuses a URL on another origin before asking for a token or sending anything", async () => {
    const graph = await server((_req, res) => sendJson(res, 200, users));
    const elsewhere = await server((_req, res) => sendJson(res, 200, users));
    const { http, tokenRequests, limiter } = buildClient(graph.url);

    const attempt = http.getJson(`${elsewhere.url}/v1.0/users`, options);

    await expect(attempt).rejects.toThrow(GraphProtocolError);
    await expect(attempt).rejects.toThrow(/not on the configured Graph origin/);
    expect(elsewhere.requests).toHaveLength(0);
    expect(graph.requests).toHaveLength(0);
    expect(tokenRequests()).toBe(0);
    expect(limiter.acquired).toHaveLength(0);
  });

  it("refuses a look-alike URL with credentials in it", async () => {
    const graph = await server((_req, res) => sendJson(res, 200, users));
    const { http } = buildClient(graph.url);
    const sneaky = graph.url.replace("http://", "http://user:pw@");
    await expect(http.getJson(`${sneaky}/v1.0/users`, options)).rejects.toThrow(GraphProtocolError);
    expect(graph.requests).toHaveLength(0);
  });

  it("refuses to follow a Location to another origin", async () => {
    const elsewhere = await server((_req, res) => sendJson(res, 200, users));
    const graph = await server((_req, res) => {
      res.writeHead(302, { location: `${elsewhere.url}/v1.0/users` });
      res.end();
    });
    const { http } = buildClient(graph.url);

    await expect(http.getJson(`${graph.url}/v1.0/users`, options)).rejects.toThrow(
      GraphProtocolError,
    );
    expect(graph.requests).toHaveLength(1);
    expect(elsewhere.requests).toHaveLength(0);
  });

  it("follows a Location on the Graph origin", async () => {
    const graph = await server((req, res) => {
      if (req.url === "/v1.0/old") {
        res.writeHead(301, { location: "/v1.0/users" });
        res.end();
      } else sendJson(res, 200, users);
    });
    const { http } = buildClient(graph.url);
    const response = await http.getJson(`${graph.url}/v1.0/old`, options);
    expect(response.body).toEqual(users);
    expect(graph.requests.map((r) => r.url)).toEqual(["/v1.0/old", "/v1.0/users"]);
    expect(graph.requests[1]?.headers.authorization).toBe(`Bearer ${testToken}`);
  });

  it("honours a fractional Retry-After on a 429: waits exactly that long, pauses the scope, retries", async () => {
    const graph = await server((_req, res, i) =>
      i === 0
        ? sendJson(res, 429, graphError("TooManyRequests", "slow down"), { "retry-after": "2.128" })
        : sendJson(res, 200, users),
    );
    const { http, sleeps, limiter } = buildClient(graph.url);

    const response = await http.getJson(`${graph.url}/v1.0/users/u1/chats`, {
      scope: "listChats",
      userId: "u1",
      stream: "chats",
    });

    expect(response.body).toEqual(users);
    expect(sleeps).toEqual([2128]);
    expect(limiter.paused).toEqual([
      { target: expect.objectContaining({ scope: "listChats", userId: "u1" }), durationMs: 2128 },
    ]);
    expect(limiter.acquired).toHaveLength(2);
    expect(graph.requests).toHaveLength(2);
    expect(graph.requests[0]?.headers["client-request-id"]).not.toBe(
      graph.requests[1]?.headers["client-request-id"],
    );
  });

  it("backs off exponentially on 503 and 504 without Retry-After", async () => {
    const graph = await server((_req, res, i) =>
      i < 2 ? sendJson(res, i === 0 ? 503 : 504, {}) : sendJson(res, 200, users),
    );
    const { http, sleeps, limiter } = buildClient(graph.url);
    await http.getJson(`${graph.url}/v1.0/users`, options);
    expect(sleeps).toEqual([100, 200]);
    expect(limiter.paused).toEqual([]);
  });

  it("does not retry a 403 and reports status, Graph code, request ids and context", async () => {
    const graph = await server((_req, res) =>
      sendJson(res, 403, graphError("Forbidden", "Missing role Chat.Read.All"), {
        "request-id": "graph-req-403",
      }),
    );
    const { http, sleeps } = buildClient(graph.url);
    const url = `${graph.url}/v1.0/chats/19%3Aabc%40thread.v2/members`;

    const error = await http
      .getJson(url, {
        scope: "listMembers",
        chatId: "19:abc@thread.v2",
        userId: "u1",
        stream: "members",
      })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(GraphHttpError);
    expect(error).toMatchObject({
      status: 403,
      method: "GET",
      url,
      retryable: false,
      graphCode: "Forbidden",
      requestId: "graph-req-403",
      clientRequestId: graph.requests[0]?.headers["client-request-id"],
      chatId: "19:abc@thread.v2",
      userId: "u1",
      stream: "members",
    });
    expect((error as Error).message).toContain("Missing role Chat.Read.All");
    expect(graph.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it("takes the request-id from Graph's error body when the header is missing", async () => {
    const graph = await server((_req, res) =>
      sendJson(res, 404, graphError("NotFound", "no such chat", "body-req-id")),
    );
    const { http } = buildClient(graph.url);
    await expect(http.getJson(`${graph.url}/v1.0/chats/x/members`, options)).rejects.toMatchObject({
      status: 404,
      requestId: "body-req-id",
    });
  });

  it("gives up after maxAttempts with a retryable error", async () => {
    const graph = await server((_req, res) => sendJson(res, 503, {}));
    const { http, sleeps } = buildClient(graph.url, { retry: { maxAttempts: 3 } });
    await expect(http.getJson(`${graph.url}/v1.0/users`, options)).rejects.toMatchObject({
      name: "GraphHttpError",
      status: 503,
      retryable: true,
    });
    expect(graph.requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it("counts 429s against their own budget, not maxAttempts, and gives up when it is spent", async () => {
    let calls = 0;
    // Four 429s, then a 503, then success: more 429s than maxAttempts allows attempts.
    const graph = await server((_req, res) => {
      calls++;
      if (calls <= 4) sendJson(res, 429, {}, { "retry-after": "0.01" });
      else if (calls === 5) sendJson(res, 503, {});
      else sendJson(res, 200, { value: [] });
    });
    const { http } = buildClient(graph.url, { retry: { maxAttempts: 2, baseDelayMs: 1 } });
    await expect(http.getJson(`${graph.url}/v1.0/users`, options)).resolves.toMatchObject({
      body: { value: [] },
    });
    expect(graph.requests).toHaveLength(6);

    const storm = await server((_req, res) => sendJson(res, 429, {}, { "retry-after": "0.01" }));
    const limited = buildClient(storm.url, { retry: { maxThrottledAttempts: 3 } });
    await expect(limited.http.getJson(`${storm.url}/v1.0/users`, options)).rejects.toMatchObject({
      status: 429,
      retryable: true,
    });
    expect(storm.requests).toHaveLength(3);
  });

  it("fails at once, retryable, when Retry-After is longer than maxRetryAfterMs", async () => {
    const graph = await server((_req, res) => sendJson(res, 429, {}, { "retry-after": "3600" }));
    const { http, sleeps } = buildClient(graph.url, { retry: { maxRetryAfterMs: 60_000 } });
    await expect(http.getJson(`${graph.url}/v1.0/users`, options)).rejects.toMatchObject({
      status: 429,
      retryable: true,
      retryAfterMs: 3_600_000,
    });
    expect(graph.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it("retries a 2xx whose body is not JSON", async () => {
    const graph = await server((_req, res, i) => {
      if (i === 0) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"value": [');
      } else sendJson(res, 200, users);
    });
    const { http } = buildClient(graph.url);
    expect((await http.getJson(`${graph.url}/v1.0/users`, options)).body).toEqual(users);
    expect(graph.requests).toHaveLength(2);
  });

  it("reports a body that stays unparseable as a protocol error naming the URL", async () => {
    const graph = await server((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html>maintenance</html>");
    });
    const { http } = buildClient(graph.url, { retry: { maxAttempts: 3 } });
    const url = `${graph.url}/v1.0/users?$top=999`;
    const error = await http.getJson(url, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphProtocolError);
    expect((error as Error).message).toContain(url);
    expect(graph.requests).toHaveLength(3);
  });

  it("times out a response that never comes, then retries", async () => {
    const graph = await server((_req, res, i) => {
      if (i > 0) sendJson(res, 200, users);
    });
    const { http, sleeps } = buildClient(graph.url, { requestTimeoutMs: 250 });
    const started = Date.now();
    expect((await http.getJson(`${graph.url}/v1.0/users`, options)).body).toEqual(users);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(graph.requests).toHaveLength(2);
    expect(sleeps).toHaveLength(1);
  });

  it("times out a body that stalls after the headers (the timeout covers the body read)", async () => {
    const graph = await server((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"value": [');
    });
    const { http } = buildClient(graph.url, { requestTimeoutMs: 150, retry: { maxAttempts: 2 } });
    const error = await http.getJson(`${graph.url}/v1.0/users`, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphHttpError);
    expect(error).toMatchObject({ status: 0, retryable: true });
    expect((error as Error).message).toMatch(/no complete response within 150 ms/);
    expect(graph.requests).toHaveLength(2);
  });

  it("retries after the connection is reset", async () => {
    const graph = await server((req, res, i) => {
      if (i === 0) req.socket.destroy();
      else sendJson(res, 200, users);
    });
    const { http } = buildClient(graph.url);
    expect((await http.getJson(`${graph.url}/v1.0/users`, options)).body).toEqual(users);
    expect(graph.requests).toHaveLength(2);
  });

  it("passes extra headers but never lets them replace the token", async () => {
    const graph = await server((_req, res) => sendJson(res, 200, users));
    const { http } = buildClient(graph.url);
    await http.getJson(`${graph.url}/beta/chats/c/operations`, {
      scope: "listOperations",
      chatId: "c",
      headers: { Prefer: "include-unknown-enum-members", Authorization: "Bearer other" },
    });
    expect(graph.requests[0]?.headers.prefer).toBe("include-unknown-enum-members");
    expect(graph.requests[0]?.headers.authorization).toBe(`Bearer ${testToken}`);
  });
});
