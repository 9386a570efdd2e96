/**
 * The reader role of a tenant, `teams_reader_<tenant>`: like teams_reader a NOLOGIN group
 * role that an admin grants to analysts' login roles, but row-level security (migration
 * 2026-12-07T14-30) shows its members only the tenant's rows. It is granted SELECT on
 * exactly what filters rows: the tables with row security on, and the views that run
 * with their reader's rights (security_invoker); nothing else of schema teams (the run
 * locks and worker heartbeats name hosts and no tenant; a view without security_invoker,
 * on Postgres before 15, would read as its owner, past the policies). A table a later
 * migration adds is therefore not granted until it has row security and this runs again.
 */
import { sql, type Kysely } from "kysely";
import { ConfigError } from "../errors.ts";
import { sqlStateOf } from "./retryable.ts";
import type { Database } from "./schema.ts";
import { TENANT_NAME_PATTERN } from "./tenants.ts";

export const TENANT_READER_PREFIX = "teams_reader_";

export function tenantReaderRole(tenant: string): string {
  if (!TENANT_NAME_PATTERN.test(tenant)) {
    throw new ConfigError(`"${tenant}" is not a tenant name: no reader role can be made for it`);
  }
  return `${TENANT_READER_PREFIX}${tenant}`;
}

export interface TenantReader {
  readonly tenant: string;
  readonly role: string;
  /** False when the role existed already (its grants are refreshed all the same). */
  readonly created: boolean;
  /** What it may read: tables with row security and views with security_invoker. */
  readonly granted: readonly string[];
  /** The role can log in (an admin made it so; this never does). */
  readonly canLogin: boolean;
  /** The role has teams_reader's privileges: it then sees every tenant's rows. */
  readonly seesAllTenants: boolean;
}

/**
 * Creates the tenant's reader role if missing and sets its grants to what row security
 * filters. Idempotent: a second run changes nothing. Two processes creating the same
 * role at once both succeed. A user without CREATEROLE gets a ConfigError saying what an
 * admin must run.
 */
export async function ensureTenantReader(
  db: Kysely<Database>,
  tenant: string,
): Promise<TenantReader> {
  const role = tenantReaderRole(tenant);
  const created = await createRole(db, role);
  const granted = await db.transaction().execute(async (trx) => {
    const readable = await filteredRelations(trx);
    await sql`revoke all on all tables in schema teams from ${sql.id(role)}`.execute(trx);
    await sql`grant usage on schema teams to ${sql.id(role)}`.execute(trx);
    for (const name of readable) {
      await sql`grant select on ${sql.table(`teams.${name}`)} to ${sql.id(role)}`.execute(trx);
    }
    return readable;
  });
  const { rows } = await sql<{ can_login: boolean; sees_all: boolean }>`
    select r.rolcanlogin as can_login,
           exists (select from pg_roles t where t.rolname = 'teams_reader'
                    and pg_has_role(r.oid, t.oid, 'USAGE')) as sees_all
      from pg_roles r where r.rolname = ${role}`.execute(db);
  return {
    tenant,
    role,
    created,
    granted,
    canLogin: rows[0]?.can_login ?? false,
    seesAllTenants: rows[0]?.sees_all ?? false,
  };
}

async function createRole(db: Kysely<Database>, role: string): Promise<boolean> {
  const { rows } = await sql`select from pg_roles where rolname = ${role}`.execute(db);
  if (rows.length > 0) return false;
  try {
    await sql`create role ${sql.id(role)} nologin`.execute(db);
    return true;
  } catch (error) {
    const state = sqlStateOf(error);
    // Another process created it between our look and our create.
    if (state === "42710" || state === "23505") return false;
    if (state === "42501") {
      throw new ConfigError(
        `cannot create role ${role}: the database user lacks CREATEROLE. Ask an admin to run: create role "${role}" nologin; then run this again`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** Relations of schema teams whose rows a tenant's reader sees filtered. */
async function filteredRelations(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select c.relname as name
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'teams'
       and ((c.relkind in ('r', 'p') and c.relrowsecurity)
         or (c.relkind = 'v' and exists (
               select from unnest(c.reloptions) o
                where lower(o) in ('security_invoker=true', 'security_invoker=on', 'security_invoker=1'))))
     order by 1`.execute(db);
  return rows.map((r) => r.name);
}
