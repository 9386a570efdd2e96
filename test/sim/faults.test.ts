import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../src/sim/index.ts";
import { chatsPath, errorOf, graph, walk } from "./support/graph-client.ts";

let sim: Simulator;
let user: string;
let other: string;
beforeAll(async () => {
  sim = await startSimulator({ rateScale: 0, users: 6, chatsPerUser: 25 });
  const ranked = sim
    .state()
    .users.map((u) => u.id)
    .sort((a, b) => sim.tenant.chatIdsOfUser(b).length - sim.tenant.chatIdsOfUser(a).length);
  [user, other] = ranked as [string, string];
  expect(sim.tenant.chatIdsOfUser(user).length).toBeGreaterThan(6);
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.setFaults([]);
  sim.setLatency(0);
  sim.resetStats();
});

describe("fault injection", () => {
  it("http503 with Retry-After fires `count` times on the targeted route and user, then the request succeeds", async () => {
    sim.setFaults([
      { kind: "http503", retryAfterSeconds: 0.2, count: 2, routes: ["listChats"], users: [user] },
    ]);
    expect((await graph(sim, chatsPath(other))).status).toBe(200);
    expect((await graph(sim, "/v1.0/users")).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const failed = await graph(sim, chatsPath(user));
      expect(failed.status).toBe(503);
      expect(failed.headers.get("retry-after")).toBe("0.2");
      expect(errorOf(failed).code).toBe("ServiceNotAvailable");
      await sleep(210);
    }
    expect((await graph(sim, chatsPath(user))).status).toBe(200);
    expect(sim.stats().faultsFired).toEqual([{ index: 0, kind: "http503", fired: 2 }]);
    expect(sim.stats().retryAfterViolations).toBe(0);
  });

  it("counts an early retry after a 503's Retry-After as a violation", async () => {
    sim.setFaults([{ kind: "http503", retryAfterSeconds: 5, count: 1, routes: ["listChats"] }]);
    expect((await graph(sim, chatsPath(user))).status).toBe(503);
    expect((await graph(sim, chatsPath(user))).status).toBe(200);
    expect(sim.stats().retryAfterViolations).toBe(1);
  });

  it("http504 with a share fires on about that share of requests, the same ones for the same seed", async () => {
    const statuses = async (s: Simulator) => {
      s.setFaults([{ kind: "http504", share: 0.3 }]);
      const out: number[] = [];
      for (let i = 0; i < 100; i++) out.push((await graph(s, chatsPath(user, "$top=1"))).status);
      return out;
    };
    const first = await statuses(sim);
    const twin = await startSimulator({ rateScale: 0, users: 6, chatsPerUser: 25 });
    try {
      expect(await statuses(twin)).toEqual(first);
    } finally {
      await twin.close();
    }
    const failures = first.filter((s) => s === 504).length;
    expect(failures).toBeGreaterThan(15);
    expect(failures).toBeLessThan(45);
    expect(first.every((s) => s === 200 || s === 504)).toBe(true);
  });

  it("connectionReset destroys the socket without an answer", async () => {
    sim.setFaults([{ kind: "connectionReset", count: 1 }]);
    await expect(graph(sim, chatsPath(user))).rejects.toThrow();
    expect((await graph(sim, chatsPath(user))).status).toBe(200);
    expect(sim.stats().log.map((e) => e.status)).toEqual([0, 200]);
  });

  it("slow holds answers back by delayMs, on top of latencyMs", async () => {
    sim.setLatency(50);
    sim.setFaults([{ kind: "slow", delayMs: 300, count: 1 }]);
    const timed = async () => {
      const started = performance.now();
      await graph(sim, chatsPath(user));
      return performance.now() - started;
    };
    expect(await timed()).toBeGreaterThanOrEqual(345);
    const normal = await timed();
    expect(normal).toBeGreaterThanOrEqual(45);
    expect(normal).toBeLessThan(300);
  });

  it("malformedJson answers 200 with a truncated body", async () => {
    sim.setFaults([{ kind: "malformedJson", count: 1, routes: ["listChats"] }]);
    const broken = await graph(sim, chatsPath(user));
    expect(broken.status).toBe(200);
    expect(broken.json).toBeUndefined();
    expect(() => JSON.parse(broken.text) as unknown).toThrow();
    expect((await graph(sim, chatsPath(user))).json).toBeDefined();
  });

  it("repeatNextLink makes the last page link to itself or to the first page", async () => {
    const honest = await walk(sim, chatsPath(user, "$top=3"));
    const lastUrl =
      honest.pages.length > 1
        ? (honest.pages.at(-2)?.json?.["@odata.nextLink"] as string)
        : `${sim.url}${chatsPath(user, "$top=3")}`;
    sim.setFaults([{ kind: "repeatNextLink", target: "self", count: 1 }]);
    const self = await graph(sim, lastUrl);
    expect(self.json?.["@odata.nextLink"]).toBe(lastUrl);
    sim.setFaults([{ kind: "repeatNextLink", target: "first", count: 1 }]);
    const back = await graph(sim, lastUrl);
    expect(back.json?.["@odata.nextLink"]).toBe(`${sim.url}/v1.0/users/${user}/chats?$top=3`);
    expect((await graph(sim, lastUrl)).json?.["@odata.nextLink"]).toBeUndefined();
  });

  it("invalidContinuationToken fails a mid-listing page with 400, and the retry succeeds", async () => {
    sim.setFaults([{ kind: "invalidContinuationToken", count: 1 }]);
    const first = await graph(sim, chatsPath(user, "$top=2"));
    expect(first.status).toBe(200);
    const next = first.json?.["@odata.nextLink"] as string;
    const failed = await graph(sim, next);
    expect(failed.status).toBe(400);
    expect(errorOf(failed).message).toBe("Invalid continuation token.");
    const { items } = await walk(sim, next);
    expect(items.length + 2).toBe(sim.tenant.chatIdsOfUser(user).length);
  });

  it("foreignNextLink points the nextLink at another origin", async () => {
    sim.setFaults([{ kind: "foreignNextLink", origin: "https://elsewhere.example", count: 1 }]);
    const page = await graph(sim, chatsPath(user, "$top=2"));
    const next = new URL(page.json?.["@odata.nextLink"] as string);
    expect(next.origin).toBe("https://elsewhere.example");
    expect(next.pathname).toBe(`/v1.0/users/${user}/chats`);
  });

  it("userError fails requests about the targeted users (by id or UPN) with 403 or 404", async () => {
    const upn = sim.state().users.find((u) => u.id === other)?.userPrincipalName ?? "";
    sim.setFaults([
      { kind: "userError", status: 403, users: [user] },
      { kind: "userError", status: 404, users: [upn] },
    ]);
    const forbidden = await graph(sim, chatsPath(user));
    expect(forbidden.status).toBe(403);
    expect(errorOf(forbidden).code).toBe("Forbidden");
    expect((await graph(sim, chatsPath(other))).status).toBe(404);
    expect((await graph(sim, chatsPath(upn))).status).toBe(404);
    const third = sim.state().users.find((u) => u.id !== user && u.id !== other)?.id ?? "";
    expect((await graph(sim, chatsPath(third))).status).toBe(200);
  });

  it("http500 answers InternalServerError, with Retry-After when asked", async () => {
    sim.setFaults([{ kind: "http500", retryAfterSeconds: 0, count: 1, routes: ["listUsers"] }]);
    const failed = await graph(sim, "/v1.0/users");
    expect(failed.status).toBe(500);
    expect(failed.headers.get("retry-after")).toBe("0");
    expect(errorOf(failed).code).toBe("InternalServerError");
    expect((await graph(sim, "/v1.0/users")).status).toBe(200);
  });

  it("tokenRevoked answers 401 and keeps refusing that token, while another one gets through", async () => {
    const issued = await fetch(`${sim.url}/${sim.tenantId}/oauth2/v2.0/token`, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: sim.clientId,
        client_secret: sim.clientSecret,
        scope: "https://graph.microsoft.com/.default",
      }),
    });
    const { access_token: token } = (await issued.json()) as { access_token: string };
    sim.setFaults([{ kind: "tokenRevoked", count: 1 }]);
    const revoked = await graph(sim, chatsPath(user), { token });
    expect(revoked.status).toBe(401);
    expect(errorOf(revoked)).toMatchObject({
      code: "InvalidAuthenticationToken",
      message: "Lifetime validation failed, the token is expired.",
    });
    expect((await graph(sim, "/v1.0/users", { token })).status).toBe(401);
    expect((await graph(sim, "/v1.0/users")).status).toBe(200);
    sim.setFaults([]);
    expect((await graph(sim, "/v1.0/users", { token })).status).toBe(200);
  });

  it("echoSecrets puts the bearer token in every header and every string of an error body", async () => {
    sim.setFaults([{ kind: "echoSecrets" }, { kind: "userError", status: 403, users: [user] }]);
    const ok = await graph(sim, chatsPath(other));
    expect(ok.status).toBe(200);
    expect(ok.headers.get("request-id")).toContain(sim.token);
    expect(ok.headers.get("client-request-id")).toContain(sim.token);
    expect(ok.headers.get("content-type")).not.toContain(sim.token);
    expect(ok.json?.value).toBeDefined();

    const forbidden = await graph(sim, chatsPath(user));
    expect(forbidden.status).toBe(403);
    const body = forbidden.json?.error as Record<string, unknown> & {
      innerError: Record<string, string>;
    };
    for (const field of [body.code, body.message, ...Object.values(body.innerError)]) {
      expect(field).toContain(sim.token);
    }
    for (const name of ["request-id", "client-request-id", "x-echo", "www-authenticate"]) {
      expect(forbidden.headers.get(name), name).toContain(sim.token);
    }
  });

  it("echoSecrets on the token route puts the posted client secret in its error", async () => {
    sim.setFaults([{ kind: "echoSecrets", routes: ["token"] }]);
    const answer = await fetch(`${sim.url}/${sim.tenantId}/oauth2/v2.0/token`, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: sim.clientId,
        client_secret: "a-wrong-secret-to-echo",
        scope: "https://graph.microsoft.com/.default",
      }),
    });
    expect(answer.status).toBe(401);
    const json = (await answer.json()) as { error: string; error_description: string };
    expect(json.error_description).toContain("a-wrong-secret-to-echo");
    expect(answer.headers.get("x-echo")).toBe("a-wrong-secret-to-echo");
  });

  it("targets chats, and can be set through PUT /_sim/faults (invalid rules are refused)", async () => {
    const [a, b] = sim.state().chats;
    const put = (body: unknown) =>
      fetch(`${sim.url}/_sim/faults`, { method: "PUT", body: JSON.stringify(body) });
    expect(
      (await put([{ kind: "http503", chats: [a?.id], routes: ["getChat", "listMembers"] }])).status,
    ).toBe(200);
    expect((await graph(sim, `/v1.0/chats/${encodeURIComponent(a?.id ?? "")}`)).status).toBe(503);
    expect(
      (await graph(sim, `/v1.0/chats/${encodeURIComponent(a?.id ?? "")}/members`)).status,
    ).toBe(503);
    expect((await graph(sim, `/v1.0/chats/${encodeURIComponent(b?.id ?? "")}`)).status).toBe(200);
    expect((await put([{ kind: "http418" }])).status).toBe(400);
    expect((await put([{ kind: "slow" }])).status).toBe(400);
    expect(() => sim.setFaults([{ kind: "userError", status: 500 } as never])).toThrow();
  });
});
