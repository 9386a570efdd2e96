import { inspect } from "node:util";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GraphHttpError } from "../../src/errors.ts";
import { paginate } from "../../src/extract/paginate.ts";
import { buildClient, testToken } from "./support/http-harness.ts";
import {
  graphError,
  sendJson,
  startTestServer,
  type TestServer,
} from "./support/graph-test-server.ts";

/** Every way an error can be shown: message, stack, JSON, util.inspect with hidden fields. */
function renderings(error: unknown): string[] {
  const shown = [
    String(error),
    JSON.stringify(error),
    inspect(error, { depth: Infinity, showHidden: true }),
  ];
  for (let link: unknown = error; link instanceof Error; link = link.cause) {
    shown.push(link.message, link.stack ?? "", JSON.stringify(Object.entries(link)));
  }
  return shown;
}

describe("the bearer token stays secret", () => {
  let graph: TestServer;
  let elsewhere: TestServer;
  const logLines: string[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => void logLines.push(line) });

  beforeAll(async () => {
    elsewhere = await startTestServer((_req, res) => sendJson(res, 200, { value: [] }));
    graph = await startTestServer((req, res) => {
      const auth = req.headers.authorization ?? "";
      switch (req.url) {
        case "/v1.0/echo-401":
          // A hostile or buggy server that echoes the header it got, in body and headers.
          return sendJson(
            res,
            401,
            graphError("InvalidAuthenticationToken", `bad token: ${auth}`),
            {
              "request-id": "req-401",
              "x-echo": auth,
            },
          );
        case "/v1.0/always-500":
          return sendJson(res, 500, graphError("InternalServerError", `failed for ${auth}`));
        case "/v1.0/not-json":
          res.writeHead(200, { "content-type": "application/json" });
          return res.end(`{"oops": "${auth}"`);
        case "/v1.0/reset":
          return req.socket.destroy();
        case "/v1.0/stall":
          return undefined;
        case "/v1.0/redirect-away":
          res.writeHead(302, { location: `${elsewhere.url}/steal` });
          return res.end();
        case "/v1.0/paged":
          return sendJson(res, 200, {
            value: [1],
            "@odata.nextLink": `${elsewhere.url}/v1.0/paged?page=2`,
          });
        default:
          return sendJson(res, 200, { value: [] }, { "request-id": "req-ok" });
      }
    });
  });

  afterAll(async () => {
    await Promise.all([graph.close(), elsewhere.close()]);
  });

  it("never appears in thrown errors or in debug logs, whatever fails", async () => {
    const { http } = buildClient(graph.url, { logger, retry: { maxAttempts: 2 } });
    // Only the stalled request needs a short timeout; others keep a generous one so a busy
    // machine does not turn them into timeouts.
    const impatient = buildClient(graph.url, {
      logger,
      requestTimeoutMs: 100,
      retry: { maxAttempts: 2 },
    });
    const opts = { scope: "listUsers", stream: "users" } as const;
    const failures = [
      http.getJson(`${graph.url}/v1.0/echo-401`, opts),
      http.getJson(`${graph.url}/v1.0/always-500`, opts),
      http.getJson(`${graph.url}/v1.0/not-json`, opts),
      http.getJson(`${graph.url}/v1.0/reset`, opts),
      impatient.http.getJson(`${graph.url}/v1.0/stall`, opts),
      http.getJson(`${graph.url}/v1.0/redirect-away`, opts),
      http.getJson(`${elsewhere.url}/v1.0/users`, opts),
      (async () => {
        for await (const _page of paginate(http, `${graph.url}/v1.0/paged`, {
          ...opts,
          listing: "paged",
          maxPages: 5,
        })) {
          // consume
        }
      })(),
    ];
    const errors = await Promise.all(
      failures.map((p) =>
        p.then(
          () => undefined,
          (e: unknown) => e,
        ),
      ),
    );
    await http.getJson(`${graph.url}/v1.0/users`, opts);

    expect(errors.every((e) => e instanceof Error)).toBe(true);
    expect(elsewhere.requests).toHaveLength(0);
    const echoed = errors[0] as Error;
    expect(echoed.message).toContain("bad token: Bearer [redacted]");
    for (const error of errors) {
      for (const shown of renderings(error)) expect(shown).not.toContain(testToken);
    }
    const log = logLines.join("");
    expect(log).not.toContain(testToken);
    // The logs do carry what is needed to trace a request with Microsoft.
    const clientRequestIds = graph.requests.map((r) => r.headers["client-request-id"]);
    for (const id of clientRequestIds) expect(log).toContain(`"clientRequestId":"${String(id)}"`);
    expect(log).toContain('"requestId":"req-ok"');
    expect(log).toContain('"requestId":"req-401"');
  });
});

describe("what a response says is cleaned before anything keeps it", () => {
  let graph: TestServer;
  const logLines: string[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => void logLines.push(line) });
  const bareToken = testToken;

  beforeAll(async () => {
    graph = await startTestServer((req, res) => {
      switch (req.url?.split("?")[0]) {
        case "/v1.0/hostile-403":
          return sendJson(
            res,
            403,
            {
              error: {
                code: `Forbidden${bareToken}`,
                message: `no\u001b[31m access\r\nfake: log line\u202e for ${bareToken} ${"x".repeat(5000)}`,
                innerError: { "request-id": `body-${bareToken}` },
              },
            },
            { "request-id": `hdr-${bareToken}-${"y".repeat(5000)}` },
          );
        case "/v1.0/raw-header":
          // Control characters in a header: the HTTP parser refuses the response, and its
          // error carries the raw bytes.
          req.socket.end(
            `HTTP/1.1 500 Oops\r\nrequest-id: ${bareToken}\u0001\r\ncontent-length: 2\r\n\r\n{}`,
          );
          return undefined;
        case "/v1.0/not-json-token":
          res.writeHead(200, { "content-type": "application/json" });
          return res.end(`${bareToken} is not JSON`);
        case "/v1.0/loop":
          return sendJson(
            res,
            200,
            { value: [], "@odata.nextLink": `${graph.url}/v1.0/loop?t=${bareToken}` },
            { "request-id": `ok-${bareToken}` },
          );
        default:
          return sendJson(res, 200, { value: [] });
      }
    });
  });

  afterAll(() => graph.close());

  it("cuts the token, drops control characters and caps the length of headers, error fields and parser errors", async () => {
    const { http } = buildClient(graph.url, { logger, retry: { maxAttempts: 2 } });
    const opts = { scope: "listUsers", stream: "users" } as const;

    const forbidden = (await http
      .getJson(`${graph.url}/v1.0/hostile-403`, opts)
      .catch((e: unknown) => e)) as GraphHttpError;
    const broken = (await http
      .getJson(`${graph.url}/v1.0/raw-header`, opts)
      .catch((e: unknown) => e)) as GraphHttpError;
    const notJson = await http
      .getJson(`${graph.url}/v1.0/not-json-token`, opts)
      .catch((e: unknown) => e);
    const looping = await (async () => {
      for await (const _page of paginate(http, `${graph.url}/v1.0/loop`, {
        ...opts,
        listing: "loop",
        maxPages: 5,
      })) {
        // consume
      }
    })().catch((e: unknown) => e);

    expect(forbidden).toBeInstanceOf(GraphHttpError);
    expect(forbidden.graphCode).toBe("Forbidden[redacted]");
    expect(forbidden.requestId).toMatch(/^hdr-\[redacted\]-y+…$/);
    expect(forbidden.requestId?.length).toBeLessThanOrEqual(128);
    expect(forbidden.message).toContain("no[31m access");
    expect(forbidden.message).not.toMatch(/[\p{Cc}\u202e]/u);
    expect(forbidden.message.length).toBeLessThan(1500);
    expect(broken).toMatchObject({ status: 0, requestId: undefined });
    expect(looping).toBeInstanceOf(Error);
    expect((looping as Error).message).toContain("t=[redacted]");
    for (const error of [forbidden, broken, notJson, looping]) {
      for (const shown of renderings(error)) expect(shown).not.toContain(bareToken);
    }
    const log = logLines.join("");
    expect(log).toContain('"requestId":"ok-[redacted]"');
    expect(log).not.toContain(bareToken);
  });
});
