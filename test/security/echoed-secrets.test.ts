/**
 * A Graph (or a proxy) that echoes the request's credentials into every header and every
 * field of its error bodies: request-id, client-request-id, Graph's error code, message
 * and innerError, and on the token endpoint the posted client secret. Whatever the run
 * keeps of those answers (logs at the default level and at debug, the human summary,
 * `--json`, `status`, sync_failures, sync_run_users, every other table) holds no secret.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../src/load/index.ts";
import { GRAPH_ROUTE_KINDS } from "../../src/sim/route-kind.ts";
import type { FaultRule, Simulator } from "../../src/sim/index.ts";
import { runCli, type CliResult } from "../support/cli.ts";
import { useTestDatabase } from "../support/database.ts";
import { cellsContaining, dumpTextColumns, failuresOf } from "../support/fault-harness.ts";
import { useSimulators } from "../support/sim-warehouse.ts";

const database = useTestDatabase();
const TOKEN = `echoed-token-${randomBytes(16).toString("hex")}`;
const RATE_SCALE = 10;
/** The simulator's issued access tokens are JWTs: a base64url JSON header. */
const JWT_HEADER = "eyJ";

const simulator = useSimulators({ rateScale: RATE_SCALE, token: TOKEN });

type LogLevel = "info" | "debug";

function tokenEnv(sim: Simulator, level: LogLevel): Record<string, string> {
  return {
    DATABASE_URL: database.url,
    GRAPH_BASE_URL: sim.url,
    GRAPH_ACCESS_TOKEN: TOKEN,
    // info is the default: unset, to test what a plain run prints.
    ...(level === "debug" ? { LOG_LEVEL: "debug" } : {}),
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

const sync = (env: Record<string, string>, json: boolean): Promise<CliResult> =>
  runCli(["sync", "--rate-scale", String(RATE_SCALE), ...(json ? ["--json"] : [])], env);

const everyRoute: FaultRule["routes"] = [...GRAPH_ROUTE_KINDS, "token"];

/** Echo on every answer; a 403, a 404 and a 500 (retried at once, to the end) for three users. */
function hostileGraph(sim: Simulator): string[] {
  const [, forbidden, missing, broken] = sim.state().users.map((u) => u.id);
  const victims = [forbidden ?? "", missing ?? "", broken ?? ""];
  sim.setFaults([
    { kind: "echoSecrets", routes: everyRoute },
    { kind: "userError", status: 403, users: [victims[0] ?? ""], routes: ["listChats"] },
    { kind: "userError", status: 404, users: [victims[1] ?? ""], routes: ["listChats"] },
    { kind: "http500", retryAfterSeconds: 0, users: [victims[2] ?? ""], routes: ["listChats"] },
  ]);
  return victims;
}

/** Not in stdout, stderr, `status` (text and JSON), or any text-like column of schema teams. */
async function expectNowhere(
  results: readonly CliResult[],
  secrets: readonly string[],
  env: Record<string, string>,
): Promise<void> {
  const status = [await runCli(["status"], env), await runCli(["status", "--json"], env)];
  const { db, close } = openDatabase(database.url);
  try {
    const cells = await dumpTextColumns(db);
    expect(cells.length).toBeGreaterThan(0);
    for (const secret of secrets) {
      for (const result of [...results, ...status]) {
        const where = result.describe.split("\n")[0];
        expect(result.stdout.includes(secret), `stdout of ${where}`).toBe(false);
        expect(result.stderr.includes(secret), `stderr of ${where}`).toBe(false);
      }
      expect(cellsContaining(cells, secret)).toEqual([]);
    }
  } finally {
    await close();
  }
}

describe("secrets echoed back by Graph", () => {
  it("403, 404 and 500 answers that echo the token, at the default log level and at debug, with and without --json", async () => {
    const sim = await simulator();
    const victims = hostileGraph(sim);

    const plain = await sync(tokenEnv(sim, "info"), false);
    const json = await sync(tokenEnv(sim, "debug"), true);

    for (const result of [plain, json]) expect(result.code, result.describe).toBe(3);
    // The echo reached the places under test: warnings at the default level, failures.
    expect(plain.stderr).toMatch(/retrying graph request/);
    expect(plain.stderr).toMatch(/\[redacted\]/);
    const summary = JSON.parse(json.stdout) as { runId: number };
    const { db, close } = openDatabase(database.url);
    try {
      const failures = await failuresOf(db, summary.runId);
      expect(failures.map((f) => [f.user_id, f.http_status])).toEqual(
        expect.arrayContaining([
          [victims[0], 403],
          [victims[1], 404],
          [victims[2], 500],
        ]),
      );
      for (const failure of failures) {
        expect(failure.error).toMatch(/request-id [0-9a-f-]{36} \[redacted\]/);
      }
    } finally {
      await close();
    }
    expect(sim.stats().faultsFired.find((f) => f.kind === "echoSecrets")?.fired).toBeGreaterThan(
      20,
    );
    await expectNowhere([plain, json], [TOKEN], tokenEnv(sim, "info"));
  });

  it("a 401 that echoes the token ends the run, at the default log level and at debug", async () => {
    const sim = await simulator();
    sim.setFaults([
      { kind: "echoSecrets", routes: everyRoute },
      { kind: "tokenRevoked", routes: ["listChats"] },
    ]);

    const json = await sync(tokenEnv(sim, "info"), true);
    const plain = await sync(tokenEnv(sim, "debug"), false);

    for (const result of [json, plain]) {
      expect(result.code, result.describe).toBe(1);
      expect(result.stderr).toMatch(/401/);
    }
    await expectNowhere([json, plain], [TOKEN], tokenEnv(sim, "info"));
  });

  it("client credentials: the token endpoint echoes the client secret, Graph echoes issued tokens, and one is revoked", async () => {
    const secret = `client-secret-${randomBytes(16).toString("hex")}`;
    const sim = await simulator({ tls: true, clientSecret: secret });
    const forbidden = sim.state().users[1]?.id ?? "";
    sim.setFaults([
      { kind: "echoSecrets", routes: everyRoute },
      { kind: "tokenRevoked", count: 1, routes: ["listChats"] },
      { kind: "userError", status: 403, users: [forbidden], routes: ["listChats"] },
    ]);

    const result = await sync(secretEnv(sim, secret), true);

    expect(result.code, result.describe).toBe(3);
    expect(sim.stats().byRouteKind.token ?? 0).toBe(2);
    expect(sim.stats().byStatus["401"] ?? 0).toBeGreaterThan(0);
    await expectNowhere([result], [secret, TOKEN, JWT_HEADER], secretEnv(sim, secret));
  });

  it("a wrong client secret echoed by the token endpoint: an auth error that does not show it", async () => {
    const secret = `client-secret-${randomBytes(16).toString("hex")}`;
    const wrong = `wrong-secret-${randomBytes(16).toString("hex")}`;
    const sim = await simulator({ tls: true, clientSecret: secret });
    sim.setFaults([{ kind: "echoSecrets", routes: everyRoute }]);

    const result = await sync(secretEnv(sim, wrong), true);

    expect(result.code, result.describe).toBe(1);
    expect(result.stderr).toMatch(/AADSTS7000215|invalid_client/);
    await expectNowhere([result], [secret, wrong, JWT_HEADER], secretEnv(sim, wrong));
  });
});
