import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../src/sim/index.ts";
import { chatsPath, errorOf, graph, walk } from "./support/graph-client.ts";

describe("listing a user's chats", () => {
  it("returns every chat of the user exactly once, in pages of $top, for any tenant size and $top", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 50 }),
        fc.boolean(),
        fc.integer(),
        async (users, chatsPerUser, top, ordered, seed) => {
          const sim = await startSimulator({ users, chatsPerUser, seed, rateScale: 0 });
          try {
            const state = sim.state();
            for (const user of state.users.slice(0, 3)) {
              const query = `$top=${top}${ordered ? "&$orderby=lastMessagePreview/createdDateTime desc" : ""}`;
              const { items, pages } = await walk(sim, chatsPath(user.id, query));
              const expected = state.chats.filter((c) => user.id in c.viewpoints).map((c) => c.id);
              const got = items.map((c) => c.id as string);
              expect(new Set(got).size).toBe(got.length);
              expect([...got].sort()).toEqual([...expected].sort());
              pages.forEach((page, i) => {
                const count = (page.json?.value as unknown[]).length;
                expect(page.json?.["@odata.count"]).toBe(count);
                if (i < pages.length - 1) expect(count).toBe(top);
                else expect(count).toBeLessThanOrEqual(top);
              });
              expect(pages.at(-1)?.json?.["@odata.nextLink"]).toBeUndefined();
              if (ordered) {
                const times = items.map((c) => {
                  const preview = (
                    state.chats.find((s) => s.id === c.id) ?? { lastMessagePreview: null }
                  ).lastMessagePreview;
                  return preview ? Date.parse(preview.createdDateTime) : -Infinity;
                });
                expect(times).toEqual([...times].sort((a, b) => b - a));
              }
            }
          } finally {
            await sim.close();
          }
        },
      ),
      { numRuns: 20 },
    );
  });
});

describe("list chats query options", () => {
  let sim: Simulator;
  let busiest: string;
  beforeAll(async () => {
    sim = await startSimulator({ rateScale: 0, users: 12, chatsPerUser: 30 });
    busiest = sim
      .state()
      .users.map((u) => ({ id: u.id, n: sim.tenant.chatIdsOfUser(u.id).length }))
      .sort((a, b) => b.n - a.n)[0]?.id as string;
  });
  afterAll(() => sim.close());

  it("accepts $top=50 and rejects $top=51 with Graph's message", async () => {
    expect((await graph(sim, chatsPath(busiest, "$top=50"))).status).toBe(200);
    const tooMany = await graph(sim, chatsPath(busiest, "$top=51"));
    expect(tooMany.status).toBe(400);
    expect(errorOf(tooMany).message).toBe(
      "The limit of '50' for Top query has been exceeded. The value from the incoming request is '51'.",
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 51, max: 100_000 }), async (top) => {
        const answer = await graph(sim, chatsPath(busiest, `$top=${top}`));
        expect(answer.status).toBe(400);
        expect(errorOf(answer).message).toContain(`'${top}'`);
      }),
      { numRuns: 10 },
    );
  });

  it("pages by 20 without $top", async () => {
    expect(sim.tenant.chatIdsOfUser(busiest).length).toBeGreaterThan(20);
    const page = await graph(sim, chatsPath(busiest));
    expect((page.json?.value as unknown[]).length).toBe(20);
    expect(page.json?.["@odata.count"]).toBe(20);
    expect(page.json?.["@odata.context"]).toBe(`${sim.url}/v1.0/$metadata#chats`);
  });

  it("gives absolute nextLinks on its own origin with an opaque $skiptoken and the same query", async () => {
    const page = await graph(sim, chatsPath(busiest, "$top=5&$expand=members"));
    const next = new URL(page.json?.["@odata.nextLink"] as string);
    expect(next.origin).toBe(sim.url);
    expect(next.pathname).toBe(`/v1.0/users/${busiest}/chats`);
    expect(next.searchParams.get("$top")).toBe("5");
    expect(next.searchParams.get("$expand")).toBe("members");
    expect(next.searchParams.get("$skiptoken")).toMatch(/^[\w.-]{20,}$/);
  });

  it("answers 400 'Invalid continuation token' for a forged or foreign $skiptoken", async () => {
    const forged = await graph(sim, chatsPath(busiest, "$skiptoken=abc.def"));
    expect(forged.status).toBe(400);
    expect(errorOf(forged).message).toBe("Invalid continuation token.");
    const other = sim.state().users.find((u) => u.id !== busiest)?.id ?? "";
    const page = await graph(sim, chatsPath(busiest, "$top=1"));
    const token =
      new URL(page.json?.["@odata.nextLink"] as string).searchParams.get("$skiptoken") ?? "";
    const replayed = await graph(sim, chatsPath(other, `$skiptoken=${encodeURIComponent(token)}`));
    expect(replayed.status).toBe(400);
  });

  it("supports the documented $expand forms and rejects others", async () => {
    for (const expand of ["members", "lastMessagePreview", "members,lastMessagePreview"]) {
      const page = await graph(sim, chatsPath(busiest, `$expand=${expand}&$top=3`));
      expect(page.status).toBe(200);
      expect(page.json?.["@odata.context"]).toBe(
        `${sim.url}/v1.0/$metadata#chats(${expand
          .split(",")
          .map((e) => `${e}()`)
          .join(",")})`,
      );
      for (const chat of page.json?.value as Record<string, unknown>[]) {
        for (const e of expand.split(",")) expect(chat).toHaveProperty(e);
      }
    }
    expect((await graph(sim, chatsPath(busiest, "$expand=messages"))).status).toBe(400);
  });

  it("orders only by lastMessagePreview/createdDateTime desc", async () => {
    expect(
      (await graph(sim, chatsPath(busiest, "$orderby=lastMessagePreview/createdDateTime desc")))
        .status,
    ).toBe(200);
    expect(
      (await graph(sim, chatsPath(busiest, "$orderby=lastMessagePreview/createdDateTime asc")))
        .status,
    ).toBe(400);
    expect((await graph(sim, chatsPath(busiest, "$orderby=lastUpdatedDateTime desc"))).status).toBe(
      400,
    );
  });

  it("filters by installed app and rejects undocumented filters and options", async () => {
    const state = sim.state();
    const appId = state.chats.find((c) => c.installedAppIds.length > 0)?.installedAppIds[0] ?? "";
    for (const user of state.users) {
      const filter = encodeURIComponent(`installedApps/any(a:a/teamsApp/id eq '${appId}')`);
      const { items } = await walk(sim, chatsPath(user.id, `$filter=${filter}`));
      const expected = state.chats.filter(
        (c) => user.id in c.viewpoints && c.installedAppIds.includes(appId),
      );
      expect(items.map((c) => c.id).sort()).toEqual(expected.map((c) => c.id).sort());
    }
    const undocumented = encodeURIComponent("lastUpdatedDateTime gt 2024-01-01T00:00:00Z");
    expect((await graph(sim, chatsPath(busiest, `$filter=${undocumented}`))).status).toBe(400);
    expect((await graph(sim, chatsPath(busiest, "$count=true"))).status).toBe(400);
  });

  it("resolves users by UPN and answers 404 with a Graph error for an unknown user", async () => {
    const user = sim.state().users[0];
    const byUpn = await walk(sim, chatsPath(user?.userPrincipalName ?? ""));
    const byId = await walk(sim, chatsPath(user?.id ?? ""));
    expect(byUpn.items.map((c) => c.id)).toEqual(byId.items.map((c) => c.id));
    const missing = await graph(sim, chatsPath("00000000-0000-4000-8000-000000000000"));
    expect(missing.status).toBe(404);
    expect(errorOf(missing).code).toBe("Request_ResourceNotFound");
  });

  it("lists users in pages of $top (default 100, at most 999)", async () => {
    const big = await startSimulator({ users: 230, chats: 5, rateScale: 0 });
    try {
      const { items, pages } = await walk(big, "/v1.0/users");
      expect(pages.map((p) => (p.json?.value as unknown[]).length)).toEqual([100, 100, 30]);
      expect(new Set(items.map((u) => u.id)).size).toBe(230);
      expect((await graph(big, "/v1.0/users?$top=999")).status).toBe(200);
      expect((await graph(big, "/v1.0/users?$top=1000")).status).toBe(400);
    } finally {
      await big.close();
    }
  });
});
