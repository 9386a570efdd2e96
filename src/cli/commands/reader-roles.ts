import { Command, InvalidArgumentError } from "commander";
import { ensureTenantReader, type TenantReader } from "../../load/tenant-readers.ts";
import { createApp, withWarehouse } from "../app.ts";
import { jsonOption } from "../flags.ts";
import { addTenantFlags, tenantsOf, type TenantFlagValues } from "../tenant-flags.ts";

interface Flags extends TenantFlagValues {
  json?: boolean;
}

/**
 * Creates the reader role of each tenant (`teams_reader_<tenant>`, NOLOGIN) and sets its
 * grants; run again after an upgrade. No password is made or asked for: an admin grants
 * the role to login roles it manages (`grant teams_reader_acme to bi_acme`), as for
 * teams_reader. Needs CREATEROLE, or the roles made by an admin first.
 */
export function readerRolesCommand(): Command {
  const command = new Command("reader-roles")
    .description(
      "create a NOLOGIN reader role per tenant (teams_reader_<tenant>) that sees only its tenant's rows",
    )
    .addOption(jsonOption("print the roles as one JSON object"));
  addTenantFlags(command, "only this tenant's role (default: every tenant)");
  return command.action(async (flags: Flags) => {
    const app = createApp();
    // The tenants' names only: their secrets are not needed here.
    const known = tenantsOf(app, flags, { secrets: false }).map((t) => t.name);
    if (flags.tenant !== undefined && !known.includes(flags.tenant)) {
      throw new InvalidArgumentError(
        `unknown tenant "${flags.tenant}" (known: ${known.join(", ") || "none"})`,
      );
    }
    const tenants = flags.tenant === undefined ? known : [flags.tenant];
    const readers = await withWarehouse(app, { migrate: true }, async ({ db }) => {
      const done: TenantReader[] = [];
      for (const tenant of tenants) done.push(await ensureTenantReader(db, tenant));
      return done;
    });
    if (flags.json) console.log(JSON.stringify({ roles: readers }));
    else for (const reader of readers) console.log(describeReader(reader));
  });
}

function describeReader(reader: TenantReader): string {
  const warnings = [
    reader.seesAllTenants ? "warning: it is a member of teams_reader and sees every tenant" : "",
    reader.canLogin ? "note: it can log in (an admin made it so)" : "",
  ].filter((w) => w !== "");
  return [
    `${reader.role}: ${reader.created ? "created" : "exists"}, reads tenant ${reader.tenant} in ${reader.granted.length} tables and views`,
    ...warnings,
  ].join("; ");
}
