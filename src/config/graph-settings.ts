import { ConfigError } from "../errors.ts";
import {
  defineGraphConfig,
  graphConfigDefaults,
  parseGraphBaseUrl,
  type GraphAuthInput,
  type GraphConfig,
} from "../extract/graph-config.ts";
import type { RateLimitOverrides } from "../extract/rate-limit-overrides.ts";
import { defaultRateLimits } from "../extract/rate-limits.ts";
import type { EnvConfig, GraphAuthConfig } from "./env.ts";
import { Secret } from "./secret.ts";

/** What the extractor is built from; secrets stay wrapped until graphConfigOf. */
export interface GraphSettings {
  /** GRAPH_BASE_URL, checked by parseGraphBaseUrl (root without version, no trailing slash). */
  readonly baseUrl: string;
  /** Undefined when nothing is configured: a command that calls Graph then says what to set. */
  readonly auth: GraphAuthConfig | undefined;
  /** GRAPH_RATE_LIMITS over Graph's table, and --rate-scale (default 1). */
  readonly rateLimits: RateLimitOverrides & { readonly scale: number };
  /** GRAPH_MAX_RESPONSE_BYTES (default graphConfigDefaults.maxResponseBytes). */
  readonly maxResponseBytes: number;
  readonly requestTimeoutMs: number;
}

export function graphSettings(env: EnvConfig, flags: { rateScale?: number }): GraphSettings {
  return {
    baseUrl: env.graphBaseUrl,
    auth: env.graphAuth,
    rateLimits: { ...env.graphRateLimits, scale: flags.rateScale ?? defaultRateLimits.scale },
    maxResponseBytes: env.graphMaxResponseBytes ?? graphConfigDefaults.maxResponseBytes,
    requestTimeoutMs: graphConfigDefaults.requestTimeoutMs,
  };
}

/**
 * The same settings aimed at a Graph the command starts itself (demo's simulator) with its
 * static token; the URL goes through the one base-URL rule.
 */
export function withGraphTarget(
  settings: GraphSettings,
  target: { readonly baseUrl: string; readonly token: string },
): GraphSettings {
  return Object.freeze({
    ...settings,
    baseUrl: parseGraphBaseUrl(target.baseUrl),
    auth: Object.freeze({ kind: "static", token: new Secret(target.token) }),
  });
}

const NO_CREDENTIALS =
  "no Graph credentials: set GRAPH_ACCESS_TOKEN, or AZURE_TENANT_ID, AZURE_CLIENT_ID and " +
  "AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH)";

/** The extract stage's config; the only place secrets leave their wrapper. */
export function graphConfigOf(settings: GraphSettings): GraphConfig {
  if (!settings.auth) throw new ConfigError(NO_CREDENTIALS);
  return defineGraphConfig({
    baseUrl: settings.baseUrl,
    auth: revealAuth(settings.auth),
    rateLimits: settings.rateLimits,
    maxResponseBytes: settings.maxResponseBytes,
    requestTimeoutMs: settings.requestTimeoutMs,
  });
}

function revealAuth(auth: GraphAuthConfig): GraphAuthInput {
  switch (auth.kind) {
    case "static":
      return { kind: "static", token: auth.token.reveal() };
    case "clientSecret":
      return {
        kind: "clientSecret",
        tenantId: auth.tenantId,
        clientId: auth.clientId,
        clientSecret: auth.clientSecret.reveal(),
        ...(auth.authorityHost ? { authorityHost: auth.authorityHost } : {}),
      };
    case "clientCertificate":
      return {
        kind: "clientCertificate",
        tenantId: auth.tenantId,
        clientId: auth.clientId,
        certificatePath: auth.certificatePath,
        ...(auth.authorityHost ? { authorityHost: auth.authorityHost } : {}),
      };
  }
}
