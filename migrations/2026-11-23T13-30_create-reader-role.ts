import { sql, type Kysely } from "kysely";

/**
 * `teams_reader`: a NOLOGIN role with read access to schema teams, for deployments to
 * grant to their analysts and BI users (`GRANT teams_reader TO bi_user`). Roles belong to
 * the whole server, so it is created only if missing; a migrating user without CREATEROLE
 * (common on managed Postgres) gets a notice instead of a failed migration, and an admin
 * can create the role and rerun the grants below by hand. Two databases of one server
 * migrating at once may both find it missing: the one that loses the race uses the
 * winner's role.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    do $$
    begin
      if not exists (select from pg_roles where rolname = 'teams_reader') then
        begin
          create role teams_reader nologin;
        exception
          when insufficient_privilege then
            raise notice 'teams_reader not created: the migrating user lacks CREATEROLE';
            return;
          -- Another database of the server migrating at the same moment created it
          -- first (seen with the test suite, which migrates a database per file at once).
          when duplicate_object or unique_violation then
            null;
        end;
      end if;
      grant usage on schema teams to teams_reader;
      grant select on all tables in schema teams to teams_reader;
      alter default privileges in schema teams grant select on tables to teams_reader;
    end
    $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // The role may serve other databases of the server: only this schema's grants go.
  await sql`
    do $$
    begin
      if exists (select from pg_roles where rolname = 'teams_reader') then
        alter default privileges in schema teams revoke select on tables from teams_reader;
        revoke select on all tables in schema teams from teams_reader;
        revoke usage on schema teams from teams_reader;
      end if;
    end
    $$`.execute(db);
}
