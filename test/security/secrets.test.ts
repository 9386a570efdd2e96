/**
 * Secrets through the real binary: whatever fails (a rejected token, a forbidden user, a
 * wrong client secret, a nextLink to another origin), the bearer token and the client
 * secret appear in no output and in no column of any table of schema teams, and the token
 * is only ever sent to GRAPH_BASE_URL's origin.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../src/load/index.ts";
import type { Simulator } from "../../src/sim/index.ts";
import { runCli, type CliResult } from "../support/cli.ts";
import { useTestDatabase } from "../support/database.ts";
import { cellsContaining, dumpTextColumns, failuresOf } from "../support/fault-harness.ts";
import { useSimulators } from "../support/sim-warehouse.ts";

const database = useTestDatabase();
const TOKEN = `secret-token-${randomBytes(16).toString("hex")}`;
const RATE_SCALE = 10;
/** The simulator's issued access tokens are JWT-shaped: a JSON header, base64url. */
const JWT_HEADER = "eyJ";

const simulator = useSimulators({ rateScale: RATE_SCALE, token: TOKEN });

function tokenEnv(sim: Simulator, token = TOKEN): Record<string, string> {
  return {
    DATABASE_URL: database.url,
    GRAPH_BASE_URL: sim.url,
    GRAPH_ACCESS_TOKEN: token,
    LOG_LEVEL: "debug",
  };
}

function secretEnv(sim: Simulator, secret: string): Record<string, string> {
  return {
    DATABASE_URL: database.url,
    GRAPH_BASE_URL: sim.url,
    AZURE_TENANT_ID: sim.tenantId,
    AZURE_CLIENT_ID: sim.clientId,
    AZURE_CLIENT_SECRET: secret,
    AZURE_AUTHORITY_HOST: sim.url,
    NODE_EXTRA_CA_CERTS: sim.tls?.caFile ?? "",
    LOG_LEVEL: "debug",
  };
}

const sync = (env: Record<string, string>, command = "sync"): Promise<CliResult> =>
  runCli([command, "--json", "--rate-scale", String(RATE_SCALE)], env);

/** Not in stdout, not in stderr, not in any text/json column of schema teams. */
async function expectNowhere(result: CliResult, secrets: readonly string[]): Promise<void> {
  const { db, close } = openDatabase(database.url);
  try {
    const cells = await dumpTextColumns(db);
    expect(cells.length).toBeGreaterThan(0);
    for (const secret of secrets) {
      expect(result.stdout.includes(secret), `stdout holds ${secret.slice(0, 6)}…`).toBe(false);
      expect(result.stderr.includes(secret), `stderr holds ${secret.slice(0, 6)}…`).toBe(false);
      expect(cellsContaining(cells, secret)).toEqual([]);
    }
  } finally {
    await close();
  }
}

describe("secrets never leak", () => {
  it("a token Graph rejects (401): exit 1, the token is in no output and no table", async () => {
    const sim = await simulator();
    const rejected = `rejected-${randomBytes(16).toString("hex")}`;
    const result = await sync(tokenEnv(sim, rejected));
    expect(result.code, result.describe).toBe(1);
    expect(sim.stats().byStatus["401"] ?? 0).toBeGreaterThan(0);
    expect(result.stderr).toMatch(/401|InvalidAuthenticationToken/);
    await expectNowhere(result, [rejected, TOKEN]);
  });

  it("a forbidden user (403) with a debug log: exit 3, the failure is recorded, the token is in no output and no table", async () => {
    const sim = await simulator();
    const victim = sim.state().users[1]?.id ?? "";
    sim.setFaults([{ kind: "userError", status: 403, users: [victim], routes: ["listChats"] }]);
    const result = await sync(tokenEnv(sim));
    expect(result.code, result.describe).toBe(3);
    const summary = JSON.parse(result.stdout) as { runId: number };
    const { db, close } = openDatabase(database.url);
    try {
      expect(await failuresOf(db, summary.runId)).toEqual([
        expect.objectContaining({ user_id: victim, http_status: 403 }),
      ]);
    } finally {
      await close();
    }
    await expectNowhere(result, [TOKEN, `Bearer ${TOKEN.slice(0, 12)}`]);
  });

  it("client-secret auth over the simulator's TLS token endpoint, with a forbidden user: the secret and issued tokens are in no output and no table", async () => {
    const secret = `client-secret-${randomBytes(16).toString("hex")}`;
    const sim = await simulator({ tls: true, clientSecret: secret });
    const victim = sim.state().users[2]?.id ?? "";
    sim.setFaults([{ kind: "userError", status: 403, users: [victim], routes: ["listChats"] }]);
    const result = await sync(secretEnv(sim, secret));
    expect(result.code, result.describe).toBe(3);
    expect(sim.stats().byRouteKind.token ?? 0).toBeGreaterThan(0);
    await expectNowhere(result, [secret, TOKEN, JWT_HEADER]);
  });

  it("a wrong client secret: exit 1 with an auth error, and neither secret is in any output or table", async () => {
    const secret = `client-secret-${randomBytes(16).toString("hex")}`;
    const wrong = `wrong-secret-${randomBytes(16).toString("hex")}`;
    const sim = await simulator({ tls: true, clientSecret: secret });
    const result = await sync(secretEnv(sim, wrong));
    expect(result.code, result.describe).toBe(1);
    expect(result.stderr.trim()).not.toBe("");
    expect(sim.stats().byRouteKind.listChats ?? 0).toBe(0);
    await expectNowhere(result, [secret, wrong, JWT_HEADER]);
  });
});

describe("the token goes only to GRAPH_BASE_URL's origin", () => {
  it("a nextLink on a foreign origin is refused and reported, and the foreign server receives no request", async () => {
    const received: string[] = [];
    const foreign = http.createServer((req, res) => {
      received.push(`${req.method} ${req.url} ${req.headers.authorization ?? ""}`);
      res.writeHead(200, { "content-type": "application/json" }).end('{"value":[]}');
    });
    await new Promise<void>((resolve) => foreign.listen(0, "127.0.0.1", resolve));
    try {
      const origin = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
      const sim = await simulator();
      sim.setFaults([{ kind: "foreignNextLink", origin, routes: ["listMembers"] }]);
      // backfill: member lists are fetched whatever earlier tests of this file loaded.
      const result = await sync(tokenEnv(sim), "backfill");
      expect(result.code, result.describe).toBe(3);
      expect(received).toEqual([]);
      const summary = JSON.parse(result.stdout) as { runId: number };
      const { db, close } = openDatabase(database.url);
      try {
        const failures = await failuresOf(db, summary.runId);
        expect(failures.length).toBeGreaterThan(0);
        for (const f of failures) {
          expect(f.stream).toBe("members");
          expect(f.error).toContain(`Refusing to request ${origin}`);
        }
      } finally {
        await close();
      }
      await expectNowhere(result, [TOKEN]);
    } finally {
      await new Promise<void>((resolve) => foreign.close(() => resolve()));
    }
  });
});

describe("strings are data", () => {
  it("a chat topic that looks like SQL is stored as is and no table is dropped", async () => {
    const sim = await simulator();
    const group = sim.state().chats.find((c) => c.chatType === "group");
    if (!group) throw new Error("no group chat");
    const topic = "'); DROP TABLE teams.chats; --";
    sim.tenant.renameChat(group.id, topic);
    const result = await sync(tokenEnv(sim));
    expect(result.code, result.describe).toBe(0);
    const { db, close } = openDatabase(database.url);
    try {
      const row = await db
        .selectFrom("teams.chats")
        .select(["topic"])
        .where("chat_id", "=", group.id)
        .executeTakeFirst();
      expect(row?.topic).toBe(topic);
      const count = await db
        .selectFrom("teams.chats")
        .select(db.fn.countAll<string>().as("n"))
        .executeTakeFirst();
      expect(Number(count?.n)).toBe(sim.state().chats.length);
    } finally {
      await close();
    }
  });
});
