import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/config.ts";
import { findTenant, resolveTenants } from "../../src/config/tenants.ts";
import { ConfigError } from "../../src/errors.ts";

const cwd = mkdtempSync(path.join(os.tmpdir(), "tcs-tenants-"));
/** A certificate's path (never read here): inside the test's own folder. */
const CERT_PATH = path.join(cwd, "certs", "fabrikam.pem");

function tenantsFile(entries: unknown): string {
  const file = path.join(cwd, `tenants-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, typeof entries === "string" ? entries : JSON.stringify(entries));
  return file;
}

const ENV = {
  AZURE_TENANT_ID: "00000000-0000-4000-8000-00000000000a",
  AZURE_CLIENT_ID: "00000000-0000-4000-8000-00000000000b",
  AZURE_CLIENT_SECRET: "env-secret-value",
  CONTOSO_SECRET: "contoso-secret-value",
  FABRIKAM_CERT: CERT_PATH,
  SIM_TOKEN: "sim-token-value",
};

function resolve(file: string | undefined, env: NodeJS.ProcessEnv = ENV) {
  const config = loadConfig({ env, cwd });
  return resolveTenants(config.graph, { env, cwd, file });
}

describe("tenants: the environment's and --tenants-file's", () => {
  it("without a file, is the environment's tenant alone, named default, with the config's own Graph settings", () => {
    const config = loadConfig({ env: ENV, cwd });
    const tenants = resolveTenants(config.graph, { env: ENV, cwd, file: undefined });
    expect(tenants).toHaveLength(1);
    expect(tenants[0]?.name).toBe("default");
    expect(tenants[0]?.graph).toBe(config.graph);
  });

  it("reads each entry's secret from the environment variable it names, and keeps it wrapped", () => {
    const file = tenantsFile([
      {
        name: "contoso",
        tenantId: "c0000000-0000-4000-8000-000000000001",
        clientId: "c0000000-0000-4000-8000-000000000002",
        clientSecretEnv: "CONTOSO_SECRET",
      },
      {
        name: "fabrikam",
        tenantId: "f0000000-0000-4000-8000-000000000001",
        clientId: "f0000000-0000-4000-8000-000000000002",
        certificatePathEnv: "FABRIKAM_CERT",
        graphBaseUrl: "https://graph.microsoft.us/",
      },
      { name: "sim-1", accessTokenEnv: "SIM_TOKEN", graphBaseUrl: "http://127.0.0.1:4010" },
    ]);
    const tenants = resolve(file);
    expect(tenants.map((t) => t.name)).toEqual(["default", "contoso", "fabrikam", "sim-1"]);
    const [, contoso, fabrikam, sim] = tenants;
    expect(contoso?.graph.baseUrl).toBe("https://graph.microsoft.com");
    expect(contoso?.graph.auth).toMatchObject({
      kind: "clientSecret",
      tenantId: "c0000000-0000-4000-8000-000000000001",
    });
    expect(fabrikam?.graph.baseUrl).toBe("https://graph.microsoft.us");
    expect(fabrikam?.graph.auth).toMatchObject({
      kind: "clientCertificate",
      certificatePath: CERT_PATH,
    });
    expect(sim?.graph.auth?.kind).toBe("static");
    const printed = JSON.stringify(tenants);
    for (const secret of ["env-secret-value", "contoso-secret-value", "sim-token-value"]) {
      expect(printed).not.toContain(secret);
    }
    if (contoso?.graph.auth?.kind !== "clientSecret") throw new Error("expected a client secret");
    expect(contoso.graph.auth.clientSecret.reveal()).toBe("contoso-secret-value");
  });

  it("without credentials in the environment, is the file's tenants only", () => {
    const file = tenantsFile([{ name: "sim-1", accessTokenEnv: "SIM_TOKEN" }]);
    expect(resolve(file, { SIM_TOKEN: "t" }).map((t) => t.name)).toEqual(["sim-1"]);
  });

  it.each([
    [
      "an unset variable, naming the entry and the variable",
      [{ name: "contoso", tenantId: "t", clientId: "c", clientSecretEnv: "NOT_SET_ANYWHERE" }],
      /entry 1 \("contoso"\): the environment variable NOT_SET_ANYWHERE \(clientSecretEnv\) is not set/,
    ],
    [
      "a secret given inline instead of by name",
      [{ name: "contoso", tenantId: "t", clientId: "c", clientSecret: "oops" }],
      /entry 1 \("contoso"\).*clientSecret/,
    ],
    [
      "two secret sources",
      [
        {
          name: "contoso",
          tenantId: "t",
          clientId: "c",
          clientSecretEnv: "CONTOSO_SECRET",
          certificatePathEnv: "FABRIKAM_CERT",
        },
      ],
      /exactly one of clientSecretEnv, certificatePathEnv or accessTokenEnv/,
    ],
    [
      "a missing clientId",
      [{ name: "contoso", tenantId: "t", clientSecretEnv: "CONTOSO_SECRET" }],
      /tenantId and clientId are required/,
    ],
    [
      "a name that cannot be a role or lock name",
      [{ name: "Contoso Ltd", accessTokenEnv: "SIM_TOKEN" }],
      /name must be/,
    ],
    [
      "a name used twice",
      [
        { name: "a", accessTokenEnv: "SIM_TOKEN" },
        { name: "a", accessTokenEnv: "SIM_TOKEN" },
      ],
      /entry 2 \("a"\): the name is used twice/,
    ],
    [
      "the environment's name",
      [{ name: "default", accessTokenEnv: "SIM_TOKEN" }],
      /"default" is the tenant of the environment/,
    ],
    [
      "a Graph root with its version",
      [
        {
          name: "a",
          accessTokenEnv: "SIM_TOKEN",
          graphBaseUrl: "https://graph.microsoft.com/v1.0",
        },
      ],
      /entry 1 \("a"\): graphBaseUrl: .*without version/,
    ],
    ["not a list", { name: "a" }, /must hold a JSON list/],
    ["not JSON", "[{name: a}]", /is not valid JSON/],
  ])("refuses %s with a ConfigError that says what to fix", (_, entries, message) => {
    const file = tenantsFile(entries);
    expect(() => resolve(file)).toThrow(ConfigError);
    expect(() => resolve(file)).toThrow(message);
  });

  it("refuses a file it cannot read, and an unknown tenant, naming the known ones", () => {
    expect(() => resolve(path.join(cwd, "missing.json"))).toThrow(
      /cannot read the tenants file .*ENOENT/,
    );
    const tenants = resolve(tenantsFile([{ name: "sim-1", accessTokenEnv: "SIM_TOKEN" }]));
    expect(findTenant(tenants, "sim-1").name).toBe("sim-1");
    expect(() => findTenant(tenants, "sim-2")).toThrow(
      /unknown tenant "sim-2" \(known: default, sim-1\)/,
    );
  });
});
