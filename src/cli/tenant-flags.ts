import type { Command } from "commander";
import {
  DEFAULT_TENANT,
  findTenant,
  resolveTenants,
  type TenantSettings,
} from "../config/tenants.ts";
import type { App } from "./app.ts";

export interface TenantFlagValues {
  tenantsFile?: string;
  tenant?: string;
}

/** `--tenants-file`, and `--tenant` for the commands that sync or queue one tenant. */
export function addTenantFlags(command: Command, tenantHelp?: string): Command {
  command.option(
    "--tenants-file <path>",
    "JSON list of tenants beyond the environment's: name, tenantId, clientId and the NAME of the environment variable holding the secret (clientSecretEnv, certificatePathEnv or accessTokenEnv), optional graphBaseUrl",
  );
  return tenantHelp === undefined ? command : command.option("--tenant <name>", tenantHelp);
}

/**
 * Every tenant the command knows: the environment's (`default`) and the file's; with
 * `secrets: false`, the file is checked without reading the secrets' variables.
 */
export function tenantsOf(
  app: App,
  flags: TenantFlagValues,
  options: { readonly secrets?: boolean } = {},
): TenantSettings[] {
  return resolveTenants(app.config.graph, {
    env: process.env,
    cwd: process.cwd(),
    file: flags.tenantsFile,
    ...(options.secrets === undefined ? {} : { secrets: options.secrets }),
  });
}

/** The tenant `--tenant` names (default: the environment's). */
export function chosenTenant(app: App, flags: TenantFlagValues): TenantSettings {
  return findTenant(tenantsOf(app, flags), flags.tenant ?? DEFAULT_TENANT);
}
