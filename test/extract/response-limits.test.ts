/**
 * Response bodies are read as a stream under two limits: a cap on decoded bytes and a cap
 * on how much a compressed body may expand. Bombs served by a real local server, several
 * at once, must fail like malformed pages, drop their connections and leave memory flat.
 */
import zlib from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { GraphHttpError, GraphProtocolError } from "../../src/errors.ts";
import { deflateBomb, gzipBomb, serveBomb, type Bomb } from "./support/bombs.ts";
import {
  graphError,
  sendJson,
  startTestServer,
  type Handler,
  type TestServer,
} from "./support/graph-test-server.ts";
import { buildClient } from "./support/http-harness.ts";

const MiB = 1024 * 1024;
const options = { scope: "listUsers", stream: "users" } as const;
const servers: TestServer[] = [];

async function server(handler: Handler): Promise<TestServer> {
  const started = await startTestServer(handler);
  servers.push(started);
  return started;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Serves `/gzip` and `/deflate` bombs of `decodedBytes` each. */
async function bombServer(decodedBytes: number): Promise<TestServer> {
  const bombs: Record<string, Bomb> = {
    "/gzip": gzipBomb(decodedBytes),
    "/deflate": deflateBomb(decodedBytes),
  };
  return server(async (req, res) => {
    const bomb = bombs[new URL(req.url ?? "/", "http://x").pathname];
    if (bomb) await serveBomb(res, bomb);
    else sendJson(res, 404, graphError("NotFound", "no bomb here"));
  });
}

/** Runs `work` while sampling the process's resident set size; returns its peak growth. */
async function rssGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growthBytes: number }> {
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, growthBytes: peak - baseline };
  } finally {
    clearInterval(sampler);
  }
}

async function failures(promises: readonly Promise<unknown>[]): Promise<unknown[]> {
  return Promise.all(
    promises.map((p) =>
      p.then(
        () => new Error("expected a failure, got a body"),
        (e: unknown) => e,
      ),
    ),
  );
}

const bombUrls = (url: string): string[] =>
  ["/gzip", "/gzip", "/gzip", "/deflate", "/deflate", "/deflate"].map((p) => `${url}${p}`);

describe("response body limits", () => {
  it("stops gzip and deflate bombs, six at once, at the decoded-size cap with memory flat", async () => {
    const graph = await bombServer(256 * MiB);
    const { http } = buildClient(graph.url, {
      maxResponseBytes: 8 * MiB,
      // Generous: this test is about memory, and a busy machine decodes slowly.
      requestTimeoutMs: 60_000,
      // Out of the way, so this test is about the size cap alone.
      maxExpansionRatio: 1_000_000,
      retry: { maxAttempts: 1 },
    });

    const { result: errors, growthBytes } = await rssGrowth(() =>
      failures(bombUrls(graph.url).map((url) => http.getJson(url, options))),
    );

    for (const error of errors) {
      expect(error).toBeInstanceOf(GraphProtocolError);
      expect((error as Error).message).toMatch(
        /body is larger than the 8388608-byte limit \(GRAPH_MAX_RESPONSE_BYTES\)/,
      );
    }
    expect(growthBytes).toBeLessThan(200 * MiB);
  });

  it("stops the same bombs at the expansion-ratio guard long before the size cap", async () => {
    const graph = await bombServer(256 * MiB);
    const { http } = buildClient(graph.url, {
      requestTimeoutMs: 60_000,
      retry: { maxAttempts: 1 },
    });

    const { result: errors, growthBytes } = await rssGrowth(() =>
      failures(bombUrls(graph.url).map((url) => http.getJson(url, options))),
    );

    for (const error of errors) {
      expect(error).toBeInstanceOf(GraphProtocolError);
      expect((error as Error).message).toMatch(/expands more than 200-fold/);
    }
    expect(growthBytes).toBeLessThan(200 * MiB);
  });

  it("treats a bomb like a body that is not JSON: retried, then a protocol error naming the URL", async () => {
    const graph = await bombServer(64 * MiB);
    const { http, sleeps } = buildClient(graph.url, { retry: { maxAttempts: 3 } });
    const error = await http.getJson(`${graph.url}/gzip`, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphProtocolError);
    expect((error as Error).message).toContain(`${graph.url}/gzip`);
    expect(graph.requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it("drops the connection of an oversized plain body instead of reading it to the end", async () => {
    const chunk = Buffer.alloc(MiB, "x");
    const totalBytes = 256 * MiB;
    let written = 0;
    let closed: Promise<unknown> = Promise.resolve();
    const graph = await server(async (_req, res) => {
      closed = new Promise((resolve) => res.once("close", resolve));
      res.writeHead(200, { "content-type": "application/json" });
      while (written < totalBytes && !res.destroyed) {
        written += chunk.length;
        if (!res.write(chunk)) await new Promise((resolve) => res.once("drain", resolve));
      }
      res.end();
    });
    const { http } = buildClient(graph.url, { maxResponseBytes: MiB, retry: { maxAttempts: 1 } });

    const error = await http.getJson(`${graph.url}/v1.0/users`, options).catch((e: unknown) => e);
    await closed;

    expect(error).toBeInstanceOf(GraphProtocolError);
    expect((error as Error).message).toMatch(/larger than the 1048576-byte limit/);
    expect(written).toBeLessThan(totalBytes / 4);
  });

  it("reads a real compressed page, and a compressed error body still tells Graph's code", async () => {
    const page = {
      value: Array.from({ length: 50 }, (_, i) => ({
        id: `19:chat-${i}@thread.v2`,
        topic: `Topic ${i}`,
        members: Array.from({ length: 25 }, (__, j) => ({
          id: `m-${i}-${j}`,
          displayName: `P ${j}`,
        })),
      })),
    };
    const graph = await server((req, res) => {
      const gzipped = req.url === "/v1.0/forbidden";
      const body = gzipped ? graphError("Forbidden", "Missing role Chat.Read.All") : page;
      res.writeHead(gzipped ? 403 : 200, {
        "content-type": "application/json",
        "content-encoding": "gzip",
      });
      res.end(zlib.gzipSync(JSON.stringify(body)));
    });
    const { http } = buildClient(graph.url);
    expect((await http.getJson(`${graph.url}/v1.0/users`, options)).body).toEqual(page);
    await expect(http.getJson(`${graph.url}/v1.0/forbidden`, options)).rejects.toMatchObject({
      status: 403,
      graphCode: "Forbidden",
    });
  });

  it("refuses a content-encoding it cannot decode as a malformed page", async () => {
    const graph = await server((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "compress" });
      res.end("\u001f\u009d not really");
    });
    const { http } = buildClient(graph.url, { retry: { maxAttempts: 2 } });
    const error = await http.getJson(`${graph.url}/v1.0/users`, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphProtocolError);
    expect((error as Error).message).toMatch(/content-encoding 'compress'/);
    expect(graph.requests).toHaveLength(2);
  });

  it("times out a body that trickles in forever: the request timeout covers the whole read", async () => {
    const graph = await server((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      const gzip = zlib.createGzip();
      gzip.pipe(res);
      gzip.write('{"value":[');
      const drip = setInterval(() => {
        if (res.destroyed) clearInterval(drip);
        else gzip.write('{"id":"u"},', () => gzip.flush());
      }, 10);
      res.once("close", () => clearInterval(drip));
    });
    const { http } = buildClient(graph.url, { requestTimeoutMs: 300, retry: { maxAttempts: 1 } });
    const error = await http.getJson(`${graph.url}/v1.0/users`, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphHttpError);
    expect((error as Error).message).toMatch(/no complete response within 300 ms/);
  });
});
