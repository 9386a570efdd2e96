import { execFile } from "node:child_process";
import https from "node:https";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ClientSecretCredential, type ClientSecretCredentialOptions } from "@azure/identity";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../src/sim/index.ts";
import { TokenIssuer } from "../../src/sim/auth/token-issuer.ts";
import { chatsPath, errorOf, graph } from "./support/graph-client.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const GRAPH_SCOPE = "https://graph.microsoft.com/.default";

describe("bearer tokens on Graph routes", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ rateScale: 0, token: "fixed-token-for-tests" });
  });
  afterAll(() => sim.close());

  it("answers 401 InvalidAuthenticationToken without a token or with an unknown one, on every Graph route", async () => {
    const chat = sim.state().chats.find((c) => c.operations.length > 0);
    const user = Object.keys(chat?.viewpoints ?? {})[0] ?? "";
    const chatId = encodeURIComponent(chat?.id ?? "");
    const paths = [
      "/v1.0/users",
      chatsPath(user),
      `${chatsPath(user)}/${chatId}`,
      `/v1.0/chats/${chatId}`,
      `/v1.0/chats/${chatId}/members`,
      `/beta/chats/${chatId}/operations`,
      `/beta/chats/${chatId}/operations/${chat?.operations[0]?.id ?? ""}`,
    ];
    for (const p of paths) {
      for (const token of [null, "not-a-token", sim.token.toUpperCase()]) {
        const answer = await graph(sim, p, { token, headers: { "client-request-id": "c-1" } });
        expect(answer.status, p).toBe(401);
        expect(errorOf(answer).code).toBe("InvalidAuthenticationToken");
        expect(answer.headers.get("client-request-id")).toBe("c-1");
        expect(answer.json?.error).toMatchObject({ innerError: { "client-request-id": "c-1" } });
      }
      expect((await graph(sim, p)).status, p).toBe(200);
    }
    expect((await graph(sim, "/v1.0/chats", { token: null, body: {} })).status).toBe(401);
  });

  it("accepts tokens from its token endpoint, and rejects bad client credentials like Entra", async () => {
    const post = (form: Record<string, string>, tenant = sim.tenantId) =>
      fetch(`${sim.url}/${tenant}/oauth2/v2.0/token`, {
        method: "POST",
        body: new URLSearchParams(form),
      });
    const good = {
      grant_type: "client_credentials",
      client_id: sim.clientId,
      client_secret: sim.clientSecret,
      scope: GRAPH_SCOPE,
    };
    const issued = await post(good);
    expect(issued.status).toBe(200);
    const body = (await issued.json()) as {
      access_token: string;
      token_type: string;
      expires_in: number;
    };
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 3599 });
    expect((await graph(sim, "/v1.0/users", { token: body.access_token })).status).toBe(200);

    const cases: [Record<string, string>, number, string, string?][] = [
      [{ ...good, client_secret: "wrong" }, 401, "invalid_client"],
      [{ ...good, client_secret: "" }, 401, "invalid_client"],
      [{ ...good, client_id: "00000000-0000-4000-8000-000000000000" }, 400, "unauthorized_client"],
      [{ ...good, grant_type: "password" }, 400, "unsupported_grant_type"],
      [{ ...good, scope: "https://graph.microsoft.com/User.Read" }, 400, "invalid_scope"],
      [good, 400, "invalid_request", "not-a-tenant"],
    ];
    for (const [form, status, error, tenant] of cases) {
      const answer = await post(form, tenant);
      expect(answer.status).toBe(status);
      const json = (await answer.json()) as {
        error: string;
        error_codes: number[];
        error_description: string;
      };
      expect(json.error).toBe(error);
      expect(json.error_description).toMatch(/^AADSTS\d+: /);
    }
    const stats = JSON.stringify(sim.stats());
    expect(stats).not.toContain(sim.clientSecret);
    expect(stats).not.toContain(body.access_token);
  });

  it("expires issued tokens after their lifetime", () => {
    let now = 1_000_000;
    const issuer = new TokenIssuer(
      { tenantId: "t", clientId: "c", clientSecret: "s", token: "fixed", tokenLifetimeSeconds: 60 },
      () => now,
    );
    const { access_token } = issuer.issue(GRAPH_SCOPE);
    expect(issuer.check(`Bearer ${access_token}`)).toEqual({ ok: true });
    now += 60_000;
    expect(issuer.check(`Bearer ${access_token}`)).toEqual({
      ok: false,
      message: "Lifetime validation failed, the token is expired.",
    });
    expect(issuer.check("Bearer fixed")).toEqual({ ok: true });
    expect(issuer.check("Basic fixed").ok).toBe(false);
  });
});

describe("the client-credentials flow over TLS with @azure/identity", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ tls: true, rateScale: 0 });
  });
  afterAll(() => sim.close());

  it("gets a token with ClientSecretCredential and makes an authenticated Graph request with it", async () => {
    expect(sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const agent = new https.Agent({ ca: sim.tls?.caPem });
    // MSAL's requests go through the credential's pipeline: make it trust the simulator's certificate.
    const options: ClientSecretCredentialOptions = {
      authorityHost: sim.url,
      disableInstanceDiscovery: true,
      additionalPolicies: [
        {
          position: "perCall",
          policy: {
            name: "trust-simulator",
            sendRequest: (request, next) => {
              request.agent = agent;
              return next(request);
            },
          },
        },
      ],
    };
    const credential = new ClientSecretCredential(
      sim.tenantId,
      sim.clientId,
      sim.clientSecret,
      options,
    );
    const token = await credential.getToken(GRAPH_SCOPE);
    expect(token.token.split(".")).toHaveLength(3);
    const status = await new Promise<number>((resolve, reject) => {
      https
        .get(
          `${sim.url}/v1.0/users?$top=1`,
          { agent, headers: { Authorization: `Bearer ${token.token}` } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        )
        .on("error", reject);
    });
    expect(status).toBe(200);
    const kinds = sim.stats().log.map((entry) => `${entry.routeKind} ${entry.status}`);
    expect(kinds).toEqual(["discovery 200", "token 200", "listUsers 200"]);

    const wrong = new ClientSecretCredential(sim.tenantId, sim.clientId, "not-the-secret", options);
    await expect(wrong.getToken(GRAPH_SCOPE)).rejects.toThrow(/AADSTS7000215/);
  });

  it("works in a child process that trusts the CA file through NODE_EXTRA_CA_CERTS", async () => {
    const script = `
      import { ClientSecretCredential } from "@azure/identity";
      const [url, tenant, client, secret] = process.argv.slice(1);
      const credential = new ClientSecretCredential(tenant, client, secret, { authorityHost: url, disableInstanceDiscovery: true });
      const { token } = await credential.getToken("${GRAPH_SCOPE}");
      const response = await fetch(url + "/v1.0/users?$top=2", { headers: { Authorization: "Bearer " + token } });
      console.log(response.status, (await response.json()).value.length);
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--input-type=module", "-e", script, sim.url, sim.tenantId, sim.clientId, sim.clientSecret],
      {
        cwd: repoRoot,
        env: { ...process.env, NODE_EXTRA_CA_CERTS: sim.tls?.caFile ?? "" },
        timeout: 30_000,
      },
    );
    expect(stdout.trim()).toBe("200 2");
  });
});
