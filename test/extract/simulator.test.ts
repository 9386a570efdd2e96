import pLimit from "p-limit";
import { afterEach, describe, expect, it } from "vitest";
import { GraphProtocolError } from "../../src/errors.ts";
import {
  createGraphExtractor,
  createTokenProvider,
  defineGraphConfig,
  type GraphConfigInput,
  type GraphExtractor,
} from "../../src/extract/index.ts";
import {
  chatIdsOfUser,
  startSimulator,
  type Simulator,
  type SimulatorOptions,
} from "../../src/sim/index.ts";
import { membersCall } from "../../src/sync/streams/members.ts";
import { operationsCall } from "../../src/sync/streams/operations.ts";

const simulators: Simulator[] = [];

async function simulator(options: SimulatorOptions): Promise<Simulator> {
  const sim = await startSimulator(options);
  simulators.push(sim);
  return sim;
}

afterEach(async () => {
  await Promise.all(simulators.splice(0).map((sim) => sim.close()));
});

function extractorFor(sim: Simulator, overrides: Partial<GraphConfigInput> = {}): GraphExtractor {
  const config = defineGraphConfig({
    baseUrl: sim.url,
    auth: { kind: "static", token: sim.token },
    requestTimeoutMs: 5000,
    ...overrides,
  });
  return createGraphExtractor(config);
}

interface Extracted {
  users: string[];
  chatsByUser: Map<string, string[]>;
  pagesByUser: Map<string, number>;
  memberCounts: Map<string, number>;
  operationCounts: Map<string, number>;
}

/** What the orchestrator will do, roughly: every user's listing, then each chat's details. */
async function extractAll(extractor: GraphExtractor, concurrency: number): Promise<Extracted> {
  const out: Extracted = {
    users: [],
    chatsByUser: new Map(),
    pagesByUser: new Map(),
    memberCounts: new Map(),
    operationCounts: new Map(),
  };
  for await (const user of extractor.listUsers()) out.users.push((user as { id: string }).id);
  const limit = pLimit(concurrency);
  await Promise.all(
    out.users.map((userId) =>
      limit(async () => {
        const chats: string[] = [];
        let pages = 0;
        for await (const page of extractor.listUserChats(userId)) {
          pages++;
          chats.push(...(page.items as { id: string }[]).map((chat) => chat.id));
        }
        out.chatsByUser.set(userId, chats);
        out.pagesByUser.set(userId, pages);
      }),
    ),
  );
  const chatIds = [...new Set([...out.chatsByUser.values()].flat())];
  await Promise.all(
    chatIds.map((chatId) =>
      limit(async () => {
        out.memberCounts.set(chatId, (await extractor.listAll(membersCall(chatId))).length);
        const operations = (await extractor.listAll(operationsCall(chatId))) as { id: string }[];
        for (const op of operations)
          await extractor.getObject(operationsCall(chatId, undefined, op.id));
        out.operationCounts.set(chatId, operations.length);
      }),
    ),
  );
  return out;
}

function expectMatchesTruth(sim: Simulator, got: Extracted): void {
  const state = sim.state();
  expect(got.users.sort()).toEqual(state.users.map((u) => u.id).sort());
  for (const user of state.users) {
    expect(got.chatsByUser.get(user.id)?.sort()).toEqual(chatIdsOfUser(state, user.id).sort());
  }
  for (const chat of state.chats) {
    if (Object.keys(chat.viewpoints).length === 0) continue;
    expect(got.memberCounts.get(chat.id)).toBe(chat.members.length);
    expect(got.operationCounts.get(chat.id)).toBe(chat.operations.length);
  }
}

describe("extract against the Graph simulator", () => {
  it("extracts every user's chats (paged), members and operations without a single 429", async () => {
    const sim = await simulator({ users: 6, chatsPerUser: 70, seed: 7, rateScale: 20 });
    // 25% headroom: arrival jitter on a busy machine must not turn into 429s.
    const extractor = extractorFor(sim, { rateLimits: { scale: 15 } });

    const got = await extractAll(extractor, 16);

    expectMatchesTruth(sim, got);
    expect(Math.max(...got.pagesByUser.values())).toBeGreaterThan(1);
    const stats = sim.stats();
    expect(stats.throttled).toBe(0);
    expect(stats.retryAfterViolations).toBe(0);
    expect(extractor.counters()).toMatchObject({
      throttled: 0,
      retries: 0,
      requests: stats.requests,
    });
  });

  it("honours the simulator's 429s, retrying no earlier than Retry-After", async () => {
    // A one-request bucket per user (5/s x 0.4) refilling in 500 ms: a user's second page,
    // asked for at once (well within 450 ms even on a busy machine), is throttled every time.
    const sim = await simulator({
      users: 3,
      chatsPerUser: 80,
      seed: 5,
      rateScale: 0.4,
      burstSeconds: 0.1,
    });
    const extractor = extractorFor(sim, { rateLimits: { scale: 0 } });
    const state = sim.state();

    for (const user of state.users) {
      const ids: string[] = [];
      for await (const page of extractor.listUserChats(user.id)) {
        ids.push(...(page.items as { id: string }[]).map((chat) => chat.id));
      }
      expect(ids.sort()).toEqual(chatIdsOfUser(state, user.id).sort());
    }

    const stats = sim.stats();
    expect(stats.throttled).toBeGreaterThanOrEqual(state.users.length);
    expect(stats.retryAfterViolations).toBe(0);
    expect(extractor.counters().throttled).toBe(stats.throttled);
  });

  it("stays complete through 503s, 504s, resets and malformed JSON", async () => {
    const sim = await simulator({
      users: 5,
      chatsPerUser: 40,
      seed: 11,
      rateScale: 20,
      faults: [
        { kind: "http503", retryAfterSeconds: 0.05, share: 0.05 },
        { kind: "http504", share: 0.03 },
        { kind: "connectionReset", count: 3 },
        { kind: "malformedJson", routes: ["listMembers"], count: 2 },
      ],
    });
    const extractor = extractorFor(sim, {
      rateLimits: { scale: 15 },
      retry: { maxAttempts: 10, baseDelayMs: 20, maxDelayMs: 200 },
    });

    const got = await extractAll(extractor, 16);

    expectMatchesTruth(sim, got);
    const stats = sim.stats();
    expect(stats.faultsFired.every((f) => f.fired > 0)).toBe(true);
    expect(stats.retryAfterViolations).toBe(0);
    const fired = stats.faultsFired.reduce((sum, f) => sum + f.fired, 0);
    expect(extractor.counters().retries).toBe(fired + stats.throttled);
  });

  it("reports Graph's repeating last nextLink as a protocol error", async () => {
    const sim = await simulator({ users: 2, chatsPerUser: 60, seed: 3, rateScale: 0 });
    const [user] = sim.tenant.users();
    sim.setFaults([{ kind: "repeatNextLink", target: "self", routes: ["listChats"] }]);
    const extractor = extractorFor(sim, { rateLimits: { scale: 0 } });
    const listing = (async () => {
      for await (const _page of extractor.listUserChats(user?.id ?? "")) {
        // drain
      }
    })();
    await expect(listing).rejects.toThrow(GraphProtocolError);
    await expect(listing).rejects.toThrow(/already fetched/);
  });

  it("refuses a nextLink to another origin", async () => {
    const sim = await simulator({ users: 2, chatsPerUser: 60, seed: 3, rateScale: 0 });
    const [user] = sim.tenant.users();
    sim.setFaults([{ kind: "foreignNextLink", routes: ["listChats"] }]);
    const extractor = extractorFor(sim, { rateLimits: { scale: 0 } });
    const listing = (async () => {
      for await (const _page of extractor.listUserChats(user?.id ?? "")) {
        // drain
      }
    })();
    await expect(listing).rejects.toThrow(
      /graph\.evil\.example.*not on the configured Graph origin/,
    );
  });

  it("gets a client-secret token from the simulator's TLS token endpoint, once", async () => {
    const sim = await simulator({ users: 1, tls: true });
    const provider = createTokenProvider(
      {
        kind: "clientSecret",
        tenantId: sim.tenantId,
        clientId: sim.clientId,
        clientSecret: sim.clientSecret,
        authorityHost: sim.url,
      },
      {
        scope: `${sim.url}/.default`,
        credentialOptions: { tlsOptions: { ca: sim.tls?.caPem } },
      },
    );
    const tokens = await Promise.all(Array.from({ length: 10 }, () => provider.getToken()));
    expect(tokens[0]).toMatch(/\S{8,}/);
    expect(new Set(tokens).size).toBe(1);
    expect(sim.stats().byRouteKind.token).toBe(1);
  });
});
