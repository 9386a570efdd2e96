import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Agent } from "node:https";
import os from "node:os";
import path from "node:path";
import { inspect } from "node:util";
import type { AccessToken, TokenCredential } from "@azure/identity";
import { generate } from "selfsigned";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthError } from "../../src/errors.ts";
import { createTokenProvider } from "../../src/extract/auth.ts";
import type { GraphAuth } from "../../src/extract/graph-config.ts";
import { useSimulators } from "../support/sim-warehouse.ts";
import { startTokenEndpoint, type TokenEndpoint } from "./support/token-endpoint.ts";

const secret = "s3cr3t~Value.For_Tests-9Qx";
const scope = "https://graph.microsoft.com/.default";
const secretAuth = (authorityHost: string, clientSecret = secret): GraphAuth => ({
  kind: "clientSecret",
  tenantId: "contoso-tenant",
  clientId: "11111111-2222-3333-4444-555555555555",
  clientSecret,
  authorityHost,
});

/** A credential that counts calls and hands out tokens expiring `lifetimeMs` from "now". */
function countingCredential(clock: { nowMs: number }, lifetimeMs: number) {
  let calls = 0;
  const credential: TokenCredential = {
    getToken: async (): Promise<AccessToken> => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { token: `token-${calls}`, expiresOnTimestamp: clock.nowMs + lifetimeMs };
    },
  };
  return { credential, calls: () => calls };
}

describe("token provider", () => {
  it("returns a static token as given", async () => {
    const provider = createTokenProvider({ kind: "static", token: "abc" }, { scope });
    expect(await provider.getToken()).toBe("abc");
  });

  it("shares one token request among concurrent callers and reuses it until near expiry", async () => {
    const clock = { nowMs: 0 };
    const { credential, calls } = countingCredential(clock, 60 * 60_000);
    const provider = createTokenProvider(secretAuth("https://login.microsoftonline.com"), {
      scope,
      credential,
      now: () => clock.nowMs,
      refreshMarginMs: 5 * 60_000,
    });

    const tokens = await Promise.all(Array.from({ length: 50 }, () => provider.getToken()));
    expect(new Set(tokens)).toEqual(new Set(["token-1"]));
    clock.nowMs = 54 * 60_000;
    expect(await provider.getToken()).toBe("token-1");
    expect(calls()).toBe(1);
    clock.nowMs = 55 * 60_000;
    expect(await provider.getToken()).toBe("token-2");
    expect(calls()).toBe(2);
  });

  it("refreshes at the credential's refreshAfterTimestamp when it gives one", async () => {
    const clock = { nowMs: 0 };
    let calls = 0;
    const credential: TokenCredential = {
      getToken: () =>
        Promise.resolve({
          token: `t${++calls}`,
          expiresOnTimestamp: clock.nowMs + 3_600_000,
          refreshAfterTimestamp: clock.nowMs + 1_800_000,
        }),
    };
    const provider = createTokenProvider(secretAuth("https://login.microsoftonline.com"), {
      scope,
      credential,
      now: () => clock.nowMs,
    });
    await provider.getToken();
    clock.nowMs = 1_800_000;
    expect(await provider.getToken()).toBe("t2");
  });

  it("turns a credential failure into an AuthError that says what to check and hides the secret", async () => {
    const credential: TokenCredential = {
      getToken: () =>
        Promise.reject(new Error(`AADSTS7000215: Invalid client secret provided: ${secret}`)),
    };
    const provider = createTokenProvider(secretAuth("https://login.microsoftonline.com"), {
      scope,
      credential,
    });
    const error = await provider.getToken().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AuthError);
    const message = (error as Error).message;
    expect(message).toContain("AADSTS7000215");
    expect(message).toContain("AZURE_CLIENT_SECRET");
    expect(message).toContain("AZURE_TENANT_ID");
    expect(inspect(error, { depth: Infinity, showHidden: true })).not.toContain(secret);
    expect(JSON.stringify(error)).not.toContain(secret);
  });

  describe("with @azure/identity against a local TLS token endpoint", () => {
    const accessToken = "local-access-token-123";
    let endpoint: TokenEndpoint;
    let dir: string;

    beforeAll(async () => {
      endpoint = await startTokenEndpoint({ clientSecret: secret, accessToken });
      dir = mkdtempSync(path.join(os.tmpdir(), "tcs-auth-"));
    });

    afterAll(async () => {
      await endpoint.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("gets a client-secret token through a custom CA agent and asks the endpoint once", async () => {
      const before = endpoint.tokenRequests.length;
      const provider = createTokenProvider(secretAuth(endpoint.authorityHost), {
        scope,
        credentialOptions: { agent: new Agent({ ca: endpoint.ca }) },
      });
      const tokens = await Promise.all(Array.from({ length: 20 }, () => provider.getToken()));
      expect(await provider.getToken()).toBe(accessToken);

      expect(new Set(tokens)).toEqual(new Set([accessToken]));
      const requests = endpoint.tokenRequests.slice(before);
      expect(requests).toHaveLength(1);
      expect(requests[0]?.get("grant_type")).toBe("client_credentials");
      expect(requests[0]?.get("scope")).toContain(scope);
    });

    it("gets a certificate token, trusting the endpoint through tlsOptions.ca", async () => {
      const pems = await generate([{ name: "commonName", value: "tcs-test-app" }], {
        keySize: 2048,
      });
      const certificatePath = path.join(dir, "app.pem");
      writeFileSync(certificatePath, `${pems.private}\n${pems.cert}`);
      const before = endpoint.tokenRequests.length;
      const provider = createTokenProvider(
        {
          kind: "clientCertificate",
          tenantId: "contoso-tenant",
          clientId: "11111111-2222-3333-4444-555555555555",
          certificatePath,
          authorityHost: endpoint.authorityHost,
        },
        { scope, credentialOptions: { tlsOptions: { ca: endpoint.ca } } },
      );
      expect(await provider.getToken()).toBe(accessToken);
      expect(endpoint.tokenRequests.slice(before)[0]?.has("client_assertion")).toBe(true);
    });

    it("reports a wrong secret as an AuthError without the secret", async () => {
      const wrong = "wrong~Secret-Value-42";
      const provider = createTokenProvider(secretAuth(endpoint.authorityHost, wrong), {
        scope,
        credentialOptions: {
          agent: new Agent({ ca: endpoint.ca }),
          retryOptions: { maxRetries: 0 },
        },
      });
      const error = await provider.getToken().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthError);
      expect((error as Error).message).toMatch(/AADSTS7000215|invalid_client/);
      expect((error as Error).message).toContain(endpoint.authorityHost);
      expect(inspect(error, { depth: Infinity, showHidden: true })).not.toContain(wrong);
    });

    it("reports an untrusted self-signed endpoint as an AuthError", async () => {
      const provider = createTokenProvider(secretAuth(endpoint.authorityHost), {
        scope,
        credentialOptions: { retryOptions: { maxRetries: 0 } },
      });
      await expect(provider.getToken()).rejects.toThrow(AuthError);
      await expect(provider.getToken()).rejects.toThrow(/TLS certificate trusted/);
    });
  });
});

describe("a token endpoint that echoes the credential it was sent", () => {
  const simulator = useSimulators({ users: 1, tls: true });
  const renderings = (error: unknown): string =>
    [
      String(error),
      JSON.stringify(error),
      inspect(error, { depth: Infinity, showHidden: true }),
    ].join("\n");

  it("gives an AuthError that shows neither a wrong client secret nor an echoed client assertion", async () => {
    const sim = await simulator();
    sim.setFaults([{ kind: "echoSecrets", routes: ["token"] }]);
    const credentialOptions = {
      tlsOptions: { ca: sim.tls?.caPem },
      retryOptions: { maxRetries: 0 },
    };
    const wrong = "wrong~Secret-Echoed-77";
    const withSecret = createTokenProvider(
      {
        kind: "clientSecret",
        tenantId: sim.tenantId,
        clientId: sim.clientId,
        clientSecret: wrong,
        authorityHost: sim.url,
      },
      { scope, credentialOptions },
    );
    const dir = mkdtempSync(path.join(os.tmpdir(), "tcs-auth-echo-"));
    try {
      const pems = await generate([{ name: "commonName", value: "tcs-echo" }], { keySize: 2048 });
      const certificatePath = path.join(dir, "app.pem");
      writeFileSync(certificatePath, `${pems.private}\n${pems.cert}`);
      const withCertificate = createTokenProvider(
        {
          kind: "clientCertificate",
          tenantId: sim.tenantId,
          clientId: sim.clientId,
          certificatePath,
          authorityHost: sim.url,
        },
        { scope, credentialOptions },
      );

      const secretError = await withSecret.getToken().catch((e: unknown) => e);
      const certificateError = await withCertificate.getToken().catch((e: unknown) => e);

      for (const error of [secretError, certificateError]) {
        expect(error).toBeInstanceOf(AuthError);
        expect((error as Error).message).toMatch(/invalid_client|AADSTS700021[58]/);
        expect(renderings(error)).not.toContain("eyJ");
      }
      expect(renderings(secretError)).not.toContain(wrong);
      expect(sim.stats().faultsFired[0]?.fired).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
