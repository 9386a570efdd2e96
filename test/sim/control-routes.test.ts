import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startSimulator,
  type SimState,
  type SimStats,
  type Simulator,
} from "../../src/sim/index.ts";
import { chatsPath, graph } from "./support/graph-client.ts";

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ rateScale: 0 });
});
afterAll(() => sim.close());

const control = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${sim.url}/_sim/${path}`, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
};

describe("control routes under /_sim (no token, same server)", () => {
  it("GET /_sim/state returns the ground truth and /_sim/info the connection facts", async () => {
    const state = await control("GET", "state");
    expect(state.status).toBe(200);
    expect(state.json as unknown as SimState).toEqual(sim.state());
    const info = await control("GET", "info");
    expect(info.json).toMatchObject({
      url: sim.url,
      tenantId: sim.tenantId,
      clientId: sim.clientId,
      tokenEndpoint: sim.tokenEndpoint,
      caFile: null,
    });
  });

  it("POST /_sim/mutations applies one mutation or a list, and answers Graph errors for bad ones", async () => {
    const chat = sim.state().chats.find((c) => c.chatType === "group");
    const applied = await control("POST", "mutations", [
      { type: "advanceTime", ms: 10_000 },
      { type: "renameChat", chatId: chat?.id, topic: "From HTTP" },
      { type: "postMessage", chatId: chat?.id, content: "hi" },
    ]);
    expect(applied.status).toBe(200);
    expect((applied.json.results as unknown[])[2]).toMatchObject({ body: { content: "hi" } });
    expect(sim.tenant.chat(chat?.id ?? "")?.topic).toBe("From HTTP");
    const unknown = await control("POST", "mutations", {
      type: "deleteChat",
      chatId: "19:none@thread.v2",
    });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ error: { code: "NotFound" } });
    const invalid = await control("POST", "mutations", { type: "renameChat" });
    expect(invalid.status).toBe(400);
    expect((await control("POST", "nothing-here")).status).toBe(404);
  });

  it("POST /_sim/time/advance moves the simulated clock", async () => {
    const before = sim.clock.nowMs();
    const answer = await control("POST", "time/advance", { ms: 2500 });
    expect(Date.parse(answer.json.now as string)).toBe(before + 2500);
  });

  it("GET /_sim/stats counts per route kind and status, logs requests, and POST /_sim/stats/reset clears it", async () => {
    await control("POST", "stats/reset");
    const user = sim.state().users[0]?.id ?? "";
    await graph(sim, chatsPath(user, "$top=2"));
    await graph(sim, chatsPath(user, "$top=51"));
    await graph(sim, "/v1.0/users", { token: null });
    const stats = (await control("GET", "stats")).json as unknown as SimStats;
    expect(stats.requests).toBe(3);
    expect(stats.byRouteKind).toEqual({ listChats: 2, listUsers: 1 });
    expect(stats.byStatus).toEqual({ "200": 1, "400": 1, "401": 1 });
    expect(stats.log[0]).toMatchObject({
      seq: 1,
      method: "GET",
      path: `/v1.0/users/${user}/chats`,
      query: { $top: "2" },
      status: 200,
      routeKind: "listChats",
      userId: user,
      chatId: null,
      throttled: false,
      retryAfterSeconds: null,
      fault: null,
      simTime: sim.clock.now(),
    });
    expect(((await control("GET", "stats?log=false")).json.log as unknown[]).length).toBe(0);
    await control("POST", "stats/reset");
    expect(sim.stats().requests).toBe(0);
  });

  it("PUT /_sim/settings changes latency, throttling and the list quirk while running", async () => {
    const answer = await control("PUT", "settings", { latencyMs: 30, rateScale: 1 });
    expect(answer.json).toMatchObject({ latencyMs: 30, rateScale: 1 });
    // One chat's budget: 1/s, so the second GET within the second is throttled.
    const chat = `/v1.0/chats/${encodeURIComponent(sim.state().chats[1]?.id ?? "")}`;
    const started = performance.now();
    expect((await graph(sim, chat)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(29);
    expect((await graph(sim, chat)).status).toBe(429);
    await control("PUT", "settings", { latencyMs: 0, rateScale: 0 });
    expect((await control("PUT", "settings", { latencyMs: -1 })).status).toBe(400);
  });
});
