/**
 * docker-compose.yml and the Dockerfile it builds, checked where no container runtime
 * runs: the file parses, runs Postgres, several workers and a scheduler that queues for
 * them; every command it gives the image is a real command of the binary with real
 * flags; every variable it sets or names is one the configuration reads; no secret is
 * written in it, and .env stays out of the image.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../../src/config/config.ts";
import { runCli } from "../support/cli.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const TEXT = readFileSync(path.join(ROOT, "docker-compose.yml"), "utf8");

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  env_file?: unknown;
  network_mode?: string;
  deploy?: { replicas?: number };
}

const compose = parse(TEXT, { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
/** The services that run this repository's image. */
const app = Object.entries(services).filter(([, s]) => s.build !== undefined);

/** The environment variables the configuration reads (every one, set or not). */
function variablesRead(env: Record<string, string>): Set<string> {
  const read = new Set<string>();
  const recorder = new Proxy(env, {
    get(target, name) {
      if (typeof name === "string") read.add(name);
      return Reflect.get(target, name) as unknown;
    },
  });
  loadConfig({ env: recorder, cwd: ROOT });
  return read;
}

describe("docker-compose.yml", () => {
  it("runs Postgres, several workers and a scheduler that queues for the workers", () => {
    expect(services.postgres?.image).toMatch(/^postgres:\d+/);
    const worker = services.worker;
    expect(worker?.command?.[0]).toBe("worker");
    expect(worker?.deploy?.replicas).toBeGreaterThanOrEqual(2);
    expect(services.scheduler?.command?.slice(0, 2)).toEqual(["schedule", "--workers"]);
    expect(app.map(([name]) => name)).toEqual(expect.arrayContaining(["worker", "scheduler"]));
  });

  it("gives the image only real commands and flags of the binary", async () => {
    const commands = new Map<string, Set<string>>();
    for (const [, service] of app) {
      const [command, ...args] = service.command ?? [];
      if (command === undefined) continue;
      const flags = commands.get(command) ?? new Set<string>();
      for (const arg of args) if (arg.startsWith("--")) flags.add(arg);
      commands.set(command, flags);
    }
    expect([...commands.keys()].sort()).toEqual(
      expect.arrayContaining(["enqueue", "schedule", "simulate", "worker"]),
    );
    // The flag the comments say to add for a tenants file is real too.
    expect(TEXT).toContain('"--tenants-file"');
    commands.get("worker")?.add("--tenants-file");
    for (const [command, flags] of commands) {
      const help = await runCli([command, "--help"], {});
      expect(help.code, help.describe).toBe(0);
      for (const flag of flags) expect(help.stdout, `${command} ${flag}`).toContain(`${flag} `);
    }
  });

  it("sets an environment the configuration accepts, and the simulator on loopback only", () => {
    const port = services.simulator?.command?.[services.simulator.command.indexOf("--port") + 1];
    for (const [name, service] of app) {
      if (name === "simulator") continue;
      const env = service.environment ?? {};
      expect(() => loadConfig({ env, cwd: ROOT }), name).not.toThrow();
      // Plain http is for loopback only: the simulator's clients share its network.
      expect(env.GRAPH_BASE_URL, name).toBe(`http://127.0.0.1:${port}`);
      expect(service.network_mode, name).toBe("service:simulator");
    }
  });

  it("sets and names only variables the configuration reads, and writes no secret", () => {
    for (const [name, service] of app) {
      const env = service.environment ?? {};
      const read = variablesRead(env);
      for (const variable of Object.keys(env))
        expect(read, `${name}: ${variable}`).toContain(variable);
      // Secrets come from an env_file, never from this file.
      expect(service.env_file, name).toBeDefined();
    }
    const read = variablesRead({});
    const named = [...TEXT.matchAll(/\b(?:AZURE|GRAPH|DATABASE)_[A-Z_]+\b/g)].map((m) => m[0]);
    expect(named.length).toBeGreaterThan(3);
    for (const variable of new Set(named)) expect(read, variable).toContain(variable);
    expect(TEXT).not.toMatch(/AZURE_CLIENT_SECRET\s*:/);
  });
});

describe("Dockerfile", () => {
  it("builds on Node 20 with npm ci and the compiled build, and leaves .env out of the image", () => {
    const dockerfile = readFileSync(path.join(ROOT, "Dockerfile"), "utf8");
    expect(dockerfile).toMatch(/^FROM node:20[\w.-]*slim/m);
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    expect(dockerfile).toMatch(/^RUN npm run build$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "bin\/teams-chat-sync\.js"\]$/m);
    const ignored = readFileSync(path.join(ROOT, ".dockerignore"), "utf8").split("\n");
    expect(ignored).toEqual(expect.arrayContaining([".env", "node_modules", "dist"]));
  });
});
