/**
 * A token can be revoked or expire before its stated lifetime. With client credentials a
 * 401 retires the cached token (and the credential's own cache: MSAL would hand the same
 * token back) and retries the request once with a fresh one; a second 401, or any 401 to
 * a static GRAPH_ACCESS_TOKEN, is final. Against the simulator's TLS token endpoint, whose
 * `tokenRevoked` fault keeps refusing a revoked token.
 */
import { Agent } from "undici";
import { describe, expect, it } from "vitest";
import { GraphHttpError } from "../../src/errors.ts";
import {
  createGraphExtractor,
  defineGraphConfig,
  undiciTransport,
  type GraphExtractor,
} from "../../src/extract/index.ts";
import type { Simulator } from "../../src/sim/index.ts";
import { useSimulators } from "../support/sim-warehouse.ts";

const simulator = useSimulators({ users: 3, chatsPerUser: 2, rateScale: 0, tls: true });

function credentialExtractor(sim: Simulator): GraphExtractor {
  const ca = sim.tls?.caPem ?? "";
  return createGraphExtractor(
    defineGraphConfig({
      baseUrl: sim.url,
      auth: {
        kind: "clientSecret",
        tenantId: sim.tenantId,
        clientId: sim.clientId,
        clientSecret: sim.clientSecret,
        authorityHost: sim.url,
      },
      rateLimits: { scale: 0 },
    }),
    {
      credentialOptions: { tlsOptions: { ca } },
      transport: undiciTransport(new Agent({ connect: { ca } })),
    },
  );
}

function staticExtractor(sim: Simulator): GraphExtractor {
  return createGraphExtractor(
    defineGraphConfig({
      baseUrl: sim.url,
      auth: { kind: "static", token: sim.token },
      rateLimits: { scale: 0 },
    }),
    { transport: undiciTransport(new Agent({ connect: { ca: sim.tls?.caPem ?? "" } })) },
  );
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const statuses = (sim: Simulator, kind: string): number[] =>
  sim
    .stats()
    .log.filter((entry) => entry.routeKind === kind)
    .map((entry) => entry.status);

describe("a 401 with client credentials", () => {
  it("retires the token, gets a fresh one from the token endpoint, and the request succeeds", async () => {
    const sim = await simulator();
    sim.setFaults([{ kind: "tokenRevoked", count: 1, routes: ["listUsers"] }]);
    const extractor = credentialExtractor(sim);

    const users = await collect(extractor.listUsers());

    expect(users.map((u) => (u as { id: string }).id)).toEqual(sim.state().users.map((u) => u.id));
    expect(statuses(sim, "listUsers")).toEqual([401, 200]);
    expect(statuses(sim, "token")).toEqual([200, 200]);
    expect(extractor.counters()).toMatchObject({ requests: 2, retries: 1 });
  });

  it("refreshes once for many requests that carried the same revoked token", async () => {
    const sim = await simulator();
    const extractor = credentialExtractor(sim);
    const ids = sim.state().users.map((u) => u.id);
    await extractor.getUserId(ids[0] ?? "");
    sim.setFaults([{ kind: "tokenRevoked", count: 1, routes: ["getUser"] }]);

    const resolved = await Promise.all(
      Array.from({ length: 8 }, (_, i) => extractor.getUserId(ids[i % ids.length] ?? "")),
    );

    expect(resolved).toEqual(Array.from({ length: 8 }, (_, i) => ids[i % ids.length]));
    expect(statuses(sim, "token")).toEqual([200, 200]);
    expect(statuses(sim, "getUser").filter((s) => s === 401).length).toBeGreaterThanOrEqual(1);
  });

  it("is final when the fresh token is refused too", async () => {
    const sim = await simulator();
    sim.setFaults([{ kind: "tokenRevoked", routes: ["listUsers"] }]);
    const extractor = credentialExtractor(sim);

    const error = await collect(extractor.listUsers()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(GraphHttpError);
    expect(error).toMatchObject({ status: 401, retryable: false });
    expect(statuses(sim, "listUsers")).toEqual([401, 401]);
    expect(statuses(sim, "token")).toEqual([200, 200]);
  });
});

describe("a 401 with a static GRAPH_ACCESS_TOKEN", () => {
  it("is final at once: there is no other token to try", async () => {
    const sim = await simulator();
    sim.setFaults([{ kind: "tokenRevoked", count: 1, routes: ["listUsers"] }]);
    const extractor = staticExtractor(sim);

    const error = await collect(extractor.listUsers()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(GraphHttpError);
    expect(error).toMatchObject({ status: 401, graphCode: "InvalidAuthenticationToken" });
    expect(statuses(sim, "listUsers")).toEqual([401]);
  });
});
