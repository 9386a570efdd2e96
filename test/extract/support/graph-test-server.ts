import { readFileSync } from "node:fs";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

export interface RecordedRequest {
  readonly method: string;
  /** Path and query as sent. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

export type Handler = (
  request: IncomingMessage,
  response: ServerResponse,
  index: number,
) => unknown;

export interface TestServer {
  /** `http://127.0.0.1:PORT`, usable as a Graph base URL. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/** A real HTTP server on loopback that records what it received and answers via `handler`. */
export async function startTestServer(handler: Handler): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((request, response) => {
    const index = requests.length;
    requests.push({
      method: request.method ?? "",
      url: request.url ?? "",
      headers: request.headers,
    });
    void Promise.resolve(handler(request, response, index)).catch((error: unknown) => {
      response.statusCode = 599;
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify(body));
}

export function graphError(code: string, message: string, requestId = "req-in-body"): unknown {
  return {
    error: { code, message, innerError: { "request-id": requestId, date: "2024-05-01T12:00:00" } },
  };
}

const fixturesDir = path.resolve(import.meta.dirname, "../../fixtures/graph");

/** A JSON example from Microsoft's docs (test/fixtures/graph). */
export function loadFixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(fixturesDir, name), "utf8")) as Record<string, unknown>;
}
