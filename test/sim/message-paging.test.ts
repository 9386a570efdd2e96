import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type SimMessage, type Simulator } from "../../src/sim/index.ts";
import { errorOf, graph } from "./support/graph-client.ts";
import {
  INCLUDE_UNKNOWN,
  messagesPath,
  sortedNewestFirst,
  walkMessages,
  wireTicks,
  type MessageOrder,
} from "./support/messages.ts";

const SMALL = { largestChat: 0, busyChats: 0, perChat: 25 };

describe("listing a chat's messages", () => {
  it("returns exactly the messages inside the filter, newest first, once each, in pages of $top", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer(),
        fc.integer({ min: 1, max: 50 }),
        fc.constantFrom<MessageOrder>("lastModifiedDateTime", "createdDateTime"),
        fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
        fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
        fc.boolean(),
        async (seed, top, order, lowAt, highAt, ordered) => {
          const sim = await startSimulator({ seed, users: 4, rateScale: 0, messages: SMALL });
          try {
            const chat = [...sim.state().chats].sort(
              (a, b) => sim.tenant.messageCount(b.id) - sim.tenant.messageCount(a.id),
            )[0];
            if (!chat) return;
            const truth = sortedNewestFirst(sim.messages(chat.id), order);
            // Bounds taken from real values, so equal keys (gt excludes them) are exercised.
            const at = (share: number | null) =>
              share === null ? undefined : truth[Math.floor(share * (truth.length - 1))]?.[order];
            const low = order === "lastModifiedDateTime" ? at(lowAt) : undefined;
            const high = at(highAt);
            const clauses = [
              low === undefined ? "" : `${order} gt ${low}`,
              high === undefined ? "" : `${order} lt ${high}`,
            ].filter(Boolean);
            const query = [
              `$top=${top}`,
              ordered ? `$orderby=${order} desc` : "",
              clauses.length > 0 ? `$filter=${encodeURIComponent(clauses.join(" and "))}` : "",
            ]
              .filter(Boolean)
              .join("&");
            const { items, pages } = await walkMessages(sim, messagesPath(chat.id, query));
            const applied = ordered || clauses.length === 0;
            const effective: MessageOrder = ordered ? order : "lastModifiedDateTime";
            const expected = sortedNewestFirst(sim.messages(chat.id), effective).filter(
              (m) =>
                !applied ||
                ((low === undefined || wireTicks(m[order]) > wireTicks(low)) &&
                  (high === undefined || wireTicks(m[order]) < wireTicks(high))),
            );
            expect(items.map((m) => m.id)).toEqual(expected.map((m) => m.id));
            pages.forEach((page, i) => {
              const count = (page.json?.value as unknown[]).length;
              expect(page.json?.["@odata.count"]).toBe(count);
              if (i < pages.length - 1) expect(count).toBe(top);
            });
          } finally {
            await sim.close();
          }
        },
      ),
      { numRuns: 20 },
    );
  });
});

describe("chat message query options and errors", () => {
  let sim: Simulator;
  let chatId: string;
  let member: string;
  /** A chat and a tenant user not in it. */
  let elsewhere: { chatId: string; outsider: string };
  let truth: SimMessage[];
  beforeAll(async () => {
    sim = await startSimulator({ rateScale: 0, messages: { largestChat: 600, busyChats: 0 } });
    const state = sim.state();
    const chat = state.chats[0];
    if (!chat) throw new Error("no chat");
    chatId = chat.id;
    truth = sim.messages(chatId);
    member = Object.keys(chat.viewpoints)[0] ?? "";
    for (const other of state.chats) {
      const outsider = state.users.find((u) => !(u.id in other.viewpoints));
      if (outsider) elsewhere = { chatId: other.id, outsider: outsider.id };
    }
  });
  afterAll(() => sim.close());

  const get = (query: string, headers: Record<string, string> = {}) =>
    graph(sim, messagesPath(chatId, query), { headers });

  it("pages by 20 without $top, with Graph's context and an absolute nextLink keeping the query", async () => {
    const page = await get("$orderby=createdDateTime desc");
    expect((page.json?.value as unknown[]).length).toBe(20);
    expect(page.json?.["@odata.context"]).toBe(
      `${sim.url}/v1.0/$metadata#chats('${encodeURIComponent(chatId)}')/messages`,
    );
    const next = new URL(page.json?.["@odata.nextLink"] as string);
    expect(next.origin).toBe(sim.url);
    expect(next.searchParams.get("$orderby")).toBe("createdDateTime desc");
    expect(next.searchParams.get("$skiptoken")).toMatch(/^[\w.-]{20,}$/);
  });

  it("accepts $top=50 and answers 400 above it, with Graph's message", async () => {
    expect((await get("$top=50")).status).toBe(200);
    const tooMany = await get("$top=51");
    expect(tooMany.status).toBe(400);
    expect(errorOf(tooMany).message).toBe(
      "The limit of '50' for Top query has been exceeded. The value from the incoming request is '51'.",
    );
    expect((await get("$top=0")).status).toBe(400);
  });

  it("orders descending only, on lastModifiedDateTime or createdDateTime ($orderBy spelled either way)", async () => {
    for (const ok of ["$orderby=lastModifiedDateTime desc", "$orderBy=createdDateTime desc"]) {
      expect((await get(ok)).status, ok).toBe(200);
    }
    const ascending = await get("$orderby=createdDateTime");
    expect(ascending.status).toBe(400);
    expect(errorOf(ascending).message).toBe(
      "QueryOptions to order by 'CreatedDateTime' in 'Ascending' direction is not supported.",
    );
    expect((await get("$orderby=lastModifiedDateTime asc")).status).toBe(400);
    expect((await get("$orderby=id desc")).status).toBe(400);
  });

  it("answers 400 for ge/le and the operators a property does not allow, with Graph's message", async () => {
    const cases: [string, string][] = [
      [
        "lastModifiedDateTime ge 2024-01-01T00:00:00Z",
        "'lastModifiedDateTime' and operationKind 'GreaterThanOrEqual'",
      ],
      [
        "lastModifiedDateTime le 2024-01-01T00:00:00Z",
        "'lastModifiedDateTime' and operationKind 'LessThanOrEqual'",
      ],
      [
        "createdDateTime gt 2024-01-01T00:00:00Z",
        "'createdDateTime' and operationKind 'GreaterThan'",
      ],
      ["createdDateTime eq 2024-01-01T00:00:00Z", "'createdDateTime' and operationKind 'Equal'"],
    ];
    for (const [filter, part] of cases) {
      const answer = await get(
        `$orderby=lastModifiedDateTime desc&$filter=${encodeURIComponent(filter)}`,
      );
      expect(answer.status, filter).toBe(400);
      expect(errorOf(answer).message).toBe(
        `The entity property ${part} is not allowed in $filter query.`,
      );
    }
    expect(
      (await get("$orderby=lastModifiedDateTime desc&$filter=lastModifiedDateTime gt yesterday"))
        .status,
    ).toBe(400);
  });

  it("ignores a valid filter, silently, unless $orderby names the same property", async () => {
    const newest = sortedNewestFirst(truth, "lastModifiedDateTime")[5]?.lastModifiedDateTime ?? "";
    const filter = `$filter=${encodeURIComponent(`lastModifiedDateTime gt ${newest}`)}`;
    const without = await walkMessages(sim, messagesPath(chatId, `$top=50&${filter}`));
    expect(without.items.length).toBe(truth.length);
    const other = await walkMessages(
      sim,
      messagesPath(chatId, `$top=50&$orderby=createdDateTime desc&${filter}`),
    );
    expect(other.items.length).toBe(truth.length);
    const applied = await walkMessages(
      sim,
      messagesPath(chatId, `$top=50&$orderby=lastModifiedDateTime desc&${filter}`),
    );
    expect(applied.items.length).toBe(5);
  });

  it("refuses the OData options Graph does not support here", async () => {
    for (const option of [
      "$expand=reactions",
      "$select=id",
      "$skip=2",
      "$count=true",
      "$search=x",
    ]) {
      expect((await get(option)).status, option).toBe(400);
    }
  });

  it("shows system events as unknownFutureValue unless Prefer: include-unknown-enum-members is sent", async () => {
    const systemIds = new Set(
      truth.filter((m) => m.messageType === "systemEventMessage").map((m) => m.id),
    );
    expect(systemIds.size).toBeGreaterThan(0);
    const plain = await walkMessages(sim, messagesPath(chatId, "$top=50"));
    const preferred = await walkMessages(sim, messagesPath(chatId, "$top=50"), INCLUDE_UNKNOWN);
    const typeOf = (items: Record<string, unknown>[]) =>
      new Map(items.map((m) => [m.id as string, m.messageType as string]));
    for (const id of systemIds) {
      expect(typeOf(plain.items).get(id)).toBe("unknownFutureValue");
      expect(typeOf(preferred.items).get(id)).toBe("systemEventMessage");
    }
    expect(preferred.pages[0]?.headers.get("preference-applied")).toBe(
      "include-unknown-enum-members",
    );
    expect(plain.pages[0]?.headers.get("preference-applied")).toBeNull();
  });

  it("answers 400 'Invalid continuation token' for a forged token or one from another chat", async () => {
    const forged = await get("$skiptoken=abc.def");
    expect(forged.status).toBe(400);
    expect(errorOf(forged).message).toBe("Invalid continuation token.");
    const page = await get("$top=1");
    const token =
      new URL(page.json?.["@odata.nextLink"] as string).searchParams.get("$skiptoken") ?? "";
    const other = sim
      .state()
      .chats.find((c) => c.id !== chatId && sim.tenant.messageCount(c.id) > 1);
    const replayed = await graph(
      sim,
      messagesPath(other?.id ?? "", `$skiptoken=${encodeURIComponent(token)}`),
    );
    expect(replayed.status).toBe(400);
  });

  it("serves the per-user form to members only, and GET …/messages/{id} for one message", async () => {
    const mine = await walkMessages(sim, messagesPath(chatId, "$top=50", member));
    expect(mine.items.length).toBe(truth.length);
    const refused = await graph(sim, messagesPath(elsewhere.chatId, "", elsewhere.outsider));
    expect(refused.status).toBe(404);
    const sample = truth[truth.length - 3] as SimMessage;
    const one = await graph(sim, `${messagesPath(chatId)}/${sample.id}`);
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({
      id: sample.id,
      createdDateTime: sample.createdDateTime,
      chatId,
    });
    expect(one.json?.["@odata.context"]).toBe(
      `${sim.url}/v1.0/$metadata#chats('${encodeURIComponent(chatId)}')/messages/$entity`,
    );
    expect((await graph(sim, `${messagesPath(chatId)}/123`)).status).toBe(404);
    expect((await graph(sim, `${messagesPath(chatId)}/${sample.id}?$select=id`)).status).toBe(400);
    expect(
      (await graph(sim, `/beta/chats/${encodeURIComponent(chatId)}/messages?$top=1`)).status,
    ).toBe(200);
  });
});
