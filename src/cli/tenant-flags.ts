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

/** `--tenants-file` and `--tenant`, for the commands that sync or queue a tenant. */
export function addTenantFlags(command: Command, tenantHelp: string): Command {
  return command
    .option(
      "--tenants-file <path>",
      "JSON list of tenants beyond the environment's: name, tenantId, clientId and the NAME of the environment variable holding the secret (clientSecretEnv, certificatePathEnv or accessTokenEnv), optional graphBaseUrl",
    )
    .option("--tenant <name>", tenantHelp);
}

/** Every tenant the command knows: the environment's (`default`) and the file's. */
export function tenantsOf(app: App, flags: TenantFlagValues): TenantSettings[] {
  return resolveTenants(app.config.graph, {
    env: process.env,
    cwd: process.cwd(),
    file: flags.tenantsFile,
  });
}

/** The tenant `--tenant` names (default: the environment's). */
export function chosenTenant(app: App, flags: TenantFlagValues): TenantSettings {
  return findTenant(tenantsOf(app, flags), flags.tenant ?? DEFAULT_TENANT);
}
