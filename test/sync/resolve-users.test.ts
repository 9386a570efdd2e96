/**
 * UPNs from --users / --users-file are resolved to ids in parallel (under the extractor's
 * directory rate limit), and the lookups stop on an abort (SIGINT) or a fatal error
 * instead of running through a 100,000-line file one at a time.
 */
import { describe, expect, it } from "vitest";
import { createGraphExtractor, defineGraphConfig } from "../../src/extract/index.ts";
import type { Simulator } from "../../src/sim/index.ts";
import { graphSource } from "../../src/sync/graph-source.ts";
import type { GraphSource } from "../../src/sync/ports.ts";
import { resolveUsers } from "../../src/sync/resolve-users.ts";
import { useSimulators } from "../support/sim-warehouse.ts";

const simulator = useSimulators({ users: 30, seed: 5 });

function source(sim: Simulator, token = sim.token): GraphSource {
  return graphSource(
    createGraphExtractor(
      defineGraphConfig({
        baseUrl: sim.url,
        auth: { kind: "static", token },
        rateLimits: { scale: 0 },
      }),
    ),
  );
}

/** The source, with the lookups in flight counted and a hook after each one starts. */
function watched(graph: GraphSource, onStart: (started: number) => void = () => undefined) {
  const seen = { started: 0, inFlight: 0, maxInFlight: 0 };
  const wrapped: GraphSource = {
    ...graph,
    async resolveUserId(upn) {
      seen.started++;
      seen.inFlight++;
      seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
      onStart(seen.started);
      try {
        return await graph.resolveUserId(upn);
      } finally {
        seen.inFlight--;
      }
    },
  };
  return { graph: wrapped, seen };
}

describe("resolving UPNs", () => {
  it("looks them up several at a time, at most `concurrency`, and keeps the order asked for", async () => {
    const sim = await simulator({ latencyMs: 20 });
    const users = sim.state().users;
    const { graph, seen } = watched(source(sim));
    const result = await resolveUsers(graph, {
      users: { kind: "list", ids: users.map((u) => u.userPrincipalName) },
      concurrency: 5,
    });
    expect(result.ids).toEqual(users.map((u) => u.id));
    expect(result.failures).toEqual([]);
    expect(seen.maxInFlight).toBeGreaterThan(1);
    expect(seen.maxInFlight).toBeLessThanOrEqual(5);
  });

  it("stops starting lookups on an abort and rejects with its reason", async () => {
    const sim = await simulator({ latencyMs: 20 });
    const upns = sim.state().users.map((u) => u.userPrincipalName);
    const controller = new AbortController();
    const { graph, seen } = watched(source(sim), (started) => {
      if (started === 3) controller.abort(new Error("stopped by SIGINT"));
    });
    await expect(
      resolveUsers(
        graph,
        { users: { kind: "list", ids: upns }, concurrency: 2 },
        controller.signal,
      ),
    ).rejects.toThrow("stopped by SIGINT");
    expect(seen.started).toBeLessThan(upns.length);
    expect(seen.inFlight).toBe(0);
  });

  it("stops on a fatal error (a rejected token) instead of trying every UPN", async () => {
    const sim = await simulator();
    const upns = sim.state().users.map((u) => u.userPrincipalName);
    const { graph, seen } = watched(source(sim, "not-a-valid-token"));
    await expect(
      resolveUsers(graph, { users: { kind: "list", ids: upns }, concurrency: 4 }),
    ).rejects.toThrow(/401/);
    expect(seen.started).toBeLessThanOrEqual(4);
  });

  it("makes an unknown UPN that user's failure and dead-letters ids no request can carry", async () => {
    const sim = await simulator();
    const [first] = sim.state().users;
    if (!first) throw new Error("no user");
    const result = await resolveUsers(source(sim), {
      users: {
        kind: "list",
        ids: [first.userPrincipalName, "nobody@example.com", "..", "x".repeat(2000)],
      },
      concurrency: 2,
    });
    expect(result.ids).toEqual([first.id]);
    expect(result.failures).toEqual([
      expect.objectContaining({ userId: "nobody@example.com", httpStatus: 404 }),
    ]);
    expect(result.rejects.map((r) => r.reason)).toEqual([
      expect.stringMatching(/dot path segment/),
      expect.stringMatching(/2000 characters long/),
    ]);
  });

  it("dead-letters a listed user that cannot be keyed instead of failing the run", async () => {
    const sim = await simulator();
    const real = source(sim);
    // What Graph listed, plus items no user row can come from.
    const graph: GraphSource = {
      ...real,
      async *listUsers() {
        yield* real.listUsers();
        yield { userPrincipalName: "no-id@example.com" };
        yield "not an object";
      },
    };
    const result = await resolveUsers(graph, { users: { kind: "all" }, concurrency: 2 });
    expect(result.ids).toEqual(sim.state().users.map((u) => u.id));
    expect(result.rejects.map((r) => [r.kind, r.reason])).toEqual([
      ["user", "missing id"],
      ["user", expect.stringMatching(/not an object/)],
    ]);
  });
});
