import v8 from "node:v8";
import vm from "node:vm";
import { afterEach, describe, expect, it } from "vitest";
import { GraphProtocolError } from "../../src/errors.ts";
import type { GraphHttpClient, GraphResponse } from "../../src/extract/http-client.ts";
import { paginate, type GraphPage, type PaginateOptions } from "../../src/extract/paginate.ts";
import { buildClient } from "./support/http-harness.ts";
import { sendJson, startTestServer, type TestServer } from "./support/graph-test-server.ts";

const base = "https://graph.microsoft.com/v1.0/users/u1/chats";

/** Serves fixed bodies by URL and records the order they were asked for. */
function scriptedClient(pages: Record<string, unknown>): GraphHttpClient & { fetched: string[] } {
  const fetched: string[] = [];
  return {
    fetched,
    getJson<T>(url: string): Promise<GraphResponse<T>> {
      fetched.push(url);
      if (!(url in pages)) return Promise.reject(new Error(`unexpected ${url}`));
      return Promise.resolve({
        body: pages[url] as T,
        status: 200,
        headers: new Headers(),
        requestId: `req-${fetched.length}`,
        clientRequestId: "c",
      });
    },
  };
}

const options: PaginateOptions = {
  scope: "listChats",
  userId: "u1",
  stream: "chats",
  listing: "chats of user u1",
  maxPages: 100,
};

/** A weak reference to the next page's items; this frame ends, so it keeps nothing. */
async function nextPageRef(pages: AsyncIterator<GraphPage>): Promise<WeakRef<object>> {
  const next = await pages.next();
  if (next.done) throw new Error("no page");
  return new WeakRef(next.value.items);
}

/** A full collection, from a V8 flag set at runtime (the suite runs without --expose-gc). */
function collectGarbage(): void {
  v8.setFlagsFromString("--expose-gc");
  (vm.runInNewContext("gc") as () => void)();
}

async function collect(pages: AsyncIterable<GraphPage>): Promise<GraphPage[]> {
  const all: GraphPage[] = [];
  for await (const page of pages) all.push(page);
  return all;
}

describe("paginate", () => {
  it("follows @odata.nextLink until it is absent", async () => {
    const http = scriptedClient({
      [base]: { value: [1, 2], "@odata.nextLink": `${base}?$skiptoken=a` },
      [`${base}?$skiptoken=a`]: { value: [3], "@odata.nextLink": `${base}?$skiptoken=b` },
      [`${base}?$skiptoken=b`]: { value: [], "@odata.nextLink": null },
    });
    const pages = await collect(paginate(http, base, options));
    expect(pages.map((p) => p.items)).toEqual([[1, 2], [3], []]);
    expect(pages.map((p) => p.pageIndex)).toEqual([0, 1, 2]);
    expect(pages[1]).toMatchObject({ url: `${base}?$skiptoken=a`, requestId: "req-2" });
  });

  it("stops with a protocol error naming the listing when the last nextLink repeats", async () => {
    const http = scriptedClient({
      [base]: { value: [1], "@odata.nextLink": `${base}?$skiptoken=a` },
      [`${base}?$skiptoken=a`]: { value: [2], "@odata.nextLink": `${base}?$skiptoken=a` },
    });
    const seen: unknown[] = [];
    const run = (async () => {
      for await (const page of paginate(http, base, options)) seen.push(...page.items);
    })();
    await expect(run).rejects.toThrow(GraphProtocolError);
    await expect(run).rejects.toThrow(/chats of user u1: page 2 links to .*already fetched/);
    expect(http.fetched).toEqual([base, `${base}?$skiptoken=a`]);
    // The looping page is not handed out as if the listing had ended normally.
    expect(seen).toEqual([1]);
  });

  it("detects a link back to an earlier page", async () => {
    const http = scriptedClient({
      [base]: { value: [1], "@odata.nextLink": `${base}?$skiptoken=a` },
      [`${base}?$skiptoken=a`]: { value: [2], "@odata.nextLink": `${base}?$skiptoken=b` },
      [`${base}?$skiptoken=b`]: { value: [3], "@odata.nextLink": base },
    });
    await expect(collect(paginate(http, base, options))).rejects.toMatchObject({
      name: "GraphProtocolError",
      userId: "u1",
      stream: "chats",
    });
    expect(http.fetched).toHaveLength(3);
  });

  it("stops after maxPages of ever-new links", async () => {
    const fetched: string[] = [];
    const http: GraphHttpClient = {
      getJson<T>(url: string) {
        fetched.push(url);
        const body = {
          value: [fetched.length],
          "@odata.nextLink": `${base}?$skiptoken=${fetched.length}`,
        };
        return Promise.resolve({
          body: body as T,
          status: 200,
          headers: new Headers(),
          requestId: undefined,
          clientRequestId: "c",
        });
      },
    };
    await expect(collect(paginate(http, base, { ...options, maxPages: 7 }))).rejects.toThrow(
      /more than 7 pages/,
    );
    expect(fetched).toHaveLength(7);
  });

  it.each([
    ["no value array", { items: [] }],
    ["a value that is not an array", { value: {} }],
    ["a non-string nextLink", { value: [], "@odata.nextLink": 42 }],
    ["a body that is not an object", [1, 2]],
  ])("rejects a page with %s", async (_label, body) => {
    const http = scriptedClient({ [base]: body });
    await expect(collect(paginate(http, base, options))).rejects.toThrow(GraphProtocolError);
  });

  it("keeps no page it has handed over (a sync waits on commits between pages)", async () => {
    // Fresh bodies per request, so only the iterator or the test could keep one alive.
    let served = 0;
    const http: GraphHttpClient = {
      getJson<T>(url: string): Promise<GraphResponse<T>> {
        served++;
        const body = {
          value: [{ id: `${url}#${served}`, padding: "x".repeat(10_000) }],
          "@odata.nextLink": served < 3 ? `${base}?$skiptoken=${served}` : undefined,
        };
        const headers = new Headers();
        return Promise.resolve({
          body: body as T,
          status: 200,
          headers,
          requestId: "r",
          clientRequestId: "c",
        });
      },
    };
    const pages = paginate(http, base, options);
    const handedOver = await nextPageRef(pages);
    // A WeakRef's target survives the job that made it: collect from a later task.
    await new Promise((resolve) => setTimeout(resolve, 0));
    collectGarbage();
    expect(handedOver.deref()).toBeUndefined();
    // ...while the listing goes on where it was.
    const rest = await collect(pages);
    expect(rest.map((p) => p.pageIndex)).toEqual([1, 2]);
  });

  it("ends after a failed page instead of fetching it again", async () => {
    const http = scriptedClient({
      [base]: { value: [1], "@odata.nextLink": `${base}?$skiptoken=a` },
    });
    const pages = paginate(http, base, options);
    expect((await pages.next()).value).toMatchObject({ items: [1] });
    await expect(pages.next()).rejects.toThrow(`unexpected ${base}?$skiptoken=a`);
    expect(await pages.next()).toEqual({ done: true, value: undefined });
    expect(http.fetched).toHaveLength(2);
  });

  it("stops at return(), as a for-await that breaks asks", async () => {
    const http = scriptedClient({
      [base]: { value: [1], "@odata.nextLink": `${base}?$skiptoken=a` },
    });
    for await (const page of paginate(http, base, options)) {
      expect(page.items).toEqual([1]);
      break;
    }
    expect(http.fetched).toEqual([base]);
  });

  describe("over HTTP", () => {
    const servers: TestServer[] = [];
    afterEach(async () => {
      await Promise.all(servers.splice(0).map((s) => s.close()));
    });

    it("refuses a nextLink on another origin without requesting it", async () => {
      const elsewhere = await startTestServer((_req, res) =>
        sendJson(res, 200, { value: ["stolen"] }),
      );
      const graph = await startTestServer((_req, res) =>
        sendJson(res, 200, {
          value: ["a"],
          "@odata.nextLink": `${elsewhere.url}/v1.0/users/u1/chats?$skiptoken=x`,
        }),
      );
      servers.push(elsewhere, graph);
      const { http } = buildClient(graph.url);
      const items: unknown[] = [];
      const run = (async () => {
        for await (const page of paginate(http, `${graph.url}/v1.0/users/u1/chats`, options))
          items.push(...page.items);
      })();
      await expect(run).rejects.toThrow(GraphProtocolError);
      expect(items).toEqual(["a"]);
      expect(graph.requests).toHaveLength(1);
      expect(elsewhere.requests).toHaveLength(0);
    });
  });
});
