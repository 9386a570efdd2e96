/**
 * Reader roles of tenants: `reader-roles` makes `teams_reader_<tenant>` (NOLOGIN, no
 * password anywhere), idempotently, and a login role granted it, connected for real,
 * sees only its tenant's rows: on every table that names a tenant, on every table keyed
 * by a chat (the chats its users are in, a chat shared with another tenant included),
 * and through every view. Tables that belong to no tenant are refused to it, and
 * teams_reader still sees everything.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { createGraphExtractor, defineGraphConfig } from "../../src/extract/index.ts";
import { createLogger } from "../../src/log.ts";
import type { Simulator } from "../../src/sim/index.ts";
import { graphSource } from "../../src/sync/graph-source.ts";
import { pgWarehouse } from "../../src/sync/pg-warehouse.ts";
import { runSync } from "../../src/sync/run-sync.ts";
import { runCli } from "../support/cli.ts";
import { withClient } from "../support/database.ts";
import { syncOptions, useSimWarehouse, useSimulators } from "../support/sim-warehouse.ts";

const warehouse = useSimWarehouse();
const simulator = useSimulators({
  users: 5,
  messages: { perChat: 4, largestChat: 20, busyChats: 0 },
});
const WITH_MESSAGES = new Set(["chats", "members", "previews", "operations", "messages"] as const);

// Roles belong to the whole server, which every test file shares: names of this run only.
// A '-' in a tenant's name needs its role name quoted.
const SUFFIX = randomBytes(4).toString("hex");
const NORTH = `north-${SUFFIX}`;
const SOUTH = `south_${SUFFIX}`;
const roles: string[] = [];

afterAll(async () => {
  await withClient(warehouse.url, async (c) => {
    for (const role of roles.reverse()) {
      await c.query(`drop owned by "${role}"`).catch(() => undefined);
      await c.query(`drop role if exists "${role}"`);
    }
  });
});

async function syncTenant(tenant: string, sim: Simulator): Promise<number> {
  const extractor = createGraphExtractor(
    defineGraphConfig({
      baseUrl: sim.url,
      auth: { kind: "static", token: sim.token },
      rateLimits: { scale: 0 },
    }),
  );
  const summary = await runSync(
    {
      graph: graphSource(extractor),
      warehouse: pgWarehouse(warehouse.db, { tenant }),
      logger: createLogger({ level: "silent" }),
    },
    await syncOptions({ streams: WITH_MESSAGES }),
  );
  expect(summary.fatal).toBeNull();
  return summary.runId ?? 0;
}

/** Bookkeeping rows a clean run leaves none of, so that every tenant table has rows. */
async function addBookkeeping(runId: number): Promise<void> {
  await sql`insert into teams.sync_failures (run_id, user_id, stream, error)
            values (${runId}, 'u', 'chats', 'probe')`.execute(warehouse.db);
  await sql`insert into teams.sync_rejects (run_id, kind, context, reason)
            values (${runId}, 'chat', 'probe', 'probe')`.execute(warehouse.db);
  await sql`insert into teams.sync_run_jobs (run_id, batch, attempt, status)
            values (${runId}, 0, 1, 'done')`.execute(warehouse.db);
}

function tenantsFile(names: readonly string[]): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "tcs-readers-")), "tenants.json");
  writeFileSync(file, JSON.stringify(names.map((name) => ({ name, accessTokenEnv: "NO_TOKEN" }))));
  return file;
}

/** A login role of `group`, connected for real; its password lives only in this test. */
async function connectAs<T>(group: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const login = `bi_${randomBytes(5).toString("hex")}`;
  const password = randomBytes(12).toString("hex");
  await withClient(warehouse.url, (c) =>
    c.query(`create role ${login} login password '${password}' in role "${group}"`),
  );
  roles.push(login);
  const url = new URL(warehouse.url);
  url.username = login;
  url.password = password;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

interface Relation {
  name: string;
  kind: "table" | "view";
  tenant: boolean;
  chat: boolean;
}

/** Every table and view of schema teams, with whether it names a tenant or a chat. */
async function relations(): Promise<Relation[]> {
  const { rows } = await sql<Relation>`
    select c.relname as name, case c.relkind when 'v' then 'view' else 'table' end as kind,
           exists (select from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant'
                    and not a.attisdropped) as tenant,
           exists (select from pg_attribute a where a.attrelid = c.oid and a.attname = 'chat_id'
                    and not a.attisdropped) as chat
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'teams' and c.relkind in ('r', 'v') order by 1`.execute(warehouse.db);
  return rows;
}

async function count(client: pg.Client, query: string, values: unknown[] = []): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    `select count(*)::int as n from ${query}`,
    values,
  );
  return rows[0]?.n ?? 0;
}

describe("reader roles of tenants", () => {
  it("see only their tenant's rows, through tables and views; teams_reader sees all", async () => {
    await warehouse.reset();
    const sims = { [NORTH]: await simulator({ seed: 61 }), [SOUTH]: await simulator({ seed: 62 }) };
    for (const [tenant, sim] of Object.entries(sims)) {
      await addBookkeeping(await syncTenant(tenant, sim));
    }
    // A chat of north's that one of south's users is in too (a chat across tenants).
    const shared = sims[NORTH]?.state().chats[0]?.id ?? "";
    const southUser = sims[SOUTH]?.state().users[0]?.id ?? "";
    await sql`insert into teams.user_chats (user_id, chat_id, tenant, first_seen_at, last_seen_at)
              values (${southUser}, ${shared}, ${SOUTH}, now(), now())`.execute(warehouse.db);

    const file = tenantsFile([NORTH, SOUTH]);
    const env = { DATABASE_URL: warehouse.url, LOG_LEVEL: "warn" };
    const first = await runCli(["reader-roles", "--tenants-file", file], env);
    roles.push(`teams_reader_${NORTH}`, `teams_reader_${SOUTH}`);
    expect(first.code, first.describe).toBe(0);
    expect(first.stdout).toContain(`teams_reader_${NORTH}: created, reads tenant ${NORTH}`);
    expect(first.stdout).toContain(`teams_reader_${SOUTH}: created, reads tenant ${SOUTH}`);
    const again = await runCli(["reader-roles", "--tenants-file", file, "--json"], env);
    expect(again.code, again.describe).toBe(0);
    const { roles: made } = JSON.parse(again.stdout) as {
      roles: { role: string; created: boolean; canLogin: boolean; granted: string[] }[];
    };
    expect(made.map((r) => [r.role, r.created, r.canLogin])).toEqual([
      [`teams_reader_${NORTH}`, false, false],
      [`teams_reader_${SOUTH}`, false, false],
    ]);

    const all = await relations();
    const ownChats = {
      [NORTH]: new Set(sims[NORTH]?.state().chats.map((c) => c.id)),
      [SOUTH]: new Set([...(sims[SOUTH]?.state().chats.map((c) => c.id) ?? []), shared]),
    };
    await withClient(warehouse.url, async (owner) => {
      for (const tenant of [NORTH, SOUTH]) {
        const chats = [...(ownChats[tenant] ?? [])];
        await connectAs(`teams_reader_${tenant}`, async (reader) => {
          for (const rel of all) {
            const table = `teams.${rel.name}`;
            if (!rel.tenant && !rel.chat) {
              // Run locks, worker heartbeats, migrations: no tenant's, nobody's to read.
              await expect(count(reader, table), table).rejects.toThrow(/permission denied/);
              continue;
            }
            const [mine, others] = rel.tenant
              ? ["tenant = $1", "tenant <> $1"]
              : ["chat_id = any($1)", "not (chat_id = any($1))"];
            const key = rel.tenant ? tenant : chats;
            const expected = await count(owner, `${table} where ${mine}`, [key]);
            expect(expected, `${table} holds rows of ${tenant}`).toBeGreaterThan(0);
            expect(await count(reader, table), `${table} as ${tenant}'s reader`).toBe(expected);
            expect(await count(reader, `${table} where ${others}`, [key]), table).toBe(0);
          }
        });
      }
      // Every table and view holds another tenant's rows too: the filter was tested.
      for (const rel of all.filter((r) => r.tenant || r.chat)) {
        const table = `teams.${rel.name}`;
        const where = rel.tenant ? "tenant <> $1" : "not (chat_id = any($1))";
        const key = rel.tenant ? NORTH : [...(ownChats[NORTH] ?? [])];
        expect(await count(owner, `${table} where ${where}`, [key]), table).toBeGreaterThan(0);
      }
      // The shared chat and its messages are south's too.
      await connectAs(`teams_reader_${SOUTH}`, async (reader) => {
        expect(await count(reader, "teams.chats where chat_id = $1", [shared])).toBe(1);
        expect(await count(reader, "teams.chat_messages where chat_id = $1", [shared])).toBe(
          await count(owner, "teams.chat_messages where chat_id = $1", [shared]),
        );
      });
      await connectAs("teams_reader", async (reader) => {
        for (const rel of all) {
          const table = `teams.${rel.name}`;
          expect(await count(reader, table), table).toBe(await count(owner, table));
        }
      });
    });
  });

  it("views run with their reader's rights, so that the tables' policies apply to them", async () => {
    const { rows } = await sql<{ name: string; options: string[] | null; version: number }>`
      select c.relname as name, c.reloptions as options,
             current_setting('server_version_num')::int as version
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'teams' and c.relkind = 'v'`.execute(warehouse.db);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows[0]?.version).toBeGreaterThanOrEqual(150000);
    for (const view of rows) expect(view.options, view.name).toContain("security_invoker=true");
  });

  it("refuses a tenant that is not in the tenants file", async () => {
    const result = await runCli(
      ["reader-roles", "--tenants-file", tenantsFile([NORTH]), "--tenant", "nowhere"],
      { DATABASE_URL: warehouse.url },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown tenant "nowhere"/);
  });
});
