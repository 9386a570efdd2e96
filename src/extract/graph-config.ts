import { z } from "zod";
import { ConfigError } from "../errors.ts";
import { cloudForBaseUrl } from "./cloud.ts";
import {
  rateLimitOverridesSchema,
  resolveRateLimits,
  type RateLimitOverrides,
} from "./rate-limit-overrides.ts";
import { defaultRateLimits, type RateLimitConfig } from "./rate-limits.ts";
import { defaultRetryPolicy, type RetryPolicy } from "./retry-policy.ts";
import { defaultCircuitBreaker, type CircuitBreakerPolicy } from "./circuit-breaker.ts";

export const defaultGraphBaseUrl = "https://graph.microsoft.com";

export type GraphAuthInput =
  | { readonly kind: "static"; readonly token: string }
  | {
      readonly kind: "clientSecret";
      readonly tenantId: string;
      readonly clientId: string;
      readonly clientSecret: string;
      readonly authorityHost?: string;
    }
  | {
      readonly kind: "clientCertificate";
      readonly tenantId: string;
      readonly clientId: string;
      /** A PEM file holding the certificate and its private key. */
      readonly certificatePath: string;
      readonly authorityHost?: string;
    };

/** Auth after defaults: credential kinds always know their authority host. */
export type GraphAuth =
  | Extract<GraphAuthInput, { kind: "static" }>
  | (Extract<GraphAuthInput, { kind: "clientSecret" }> & { readonly authorityHost: string })
  | (Extract<GraphAuthInput, { kind: "clientCertificate" }> & { readonly authorityHost: string });

export interface GraphConfig {
  /** Graph root without version, no trailing slash: `https://graph.microsoft.com`. */
  readonly baseUrl: string;
  /** `new URL(baseUrl).origin`: the only origin the bearer token is ever sent to. */
  readonly origin: string;
  /** App-only token scope for this cloud: `${origin}/.default`. */
  readonly tokenScope: string;
  readonly auth: GraphAuth;
  /** Whole request, body read included. */
  readonly requestTimeoutMs: number;
  readonly retry: RetryPolicy;
  readonly rateLimits: RateLimitConfig;
  /** A listing longer than this is treated as a paging loop. */
  readonly maxPages: number;
  /**
   * Decoded bytes one response body may have (GRAPH_MAX_RESPONSE_BYTES). Reading stops and
   * the connection is dropped as soon as a body passes it; the request then fails like a
   * page that is not JSON.
   */
  readonly maxResponseBytes: number;
  /**
   * How many decoded bytes a compressed body may make of each byte received (checked once
   * a body passes 1 MiB decoded). JSON compresses tenfold or so; a compression bomb, a
   * thousandfold.
   */
  readonly maxExpansionRatio: number;
  /** When a run that gets only 5xx and network failures from Graph stops. */
  readonly circuitBreaker: CircuitBreakerPolicy;
}

export interface GraphConfigInput {
  readonly baseUrl?: string;
  readonly auth: GraphAuthInput;
  readonly requestTimeoutMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  /** Changes to the default table (see RateLimitOverrides), and the scale. */
  readonly rateLimits?: RateLimitOverrides & { readonly scale?: number };
  readonly maxPages?: number;
  readonly maxResponseBytes?: number;
  readonly maxExpansionRatio?: number;
  readonly circuitBreaker?: Partial<CircuitBreakerPolicy>;
}

export const graphConfigDefaults = Object.freeze({
  baseUrl: defaultGraphBaseUrl,
  requestTimeoutMs: 30_000,
  maxPages: 10_000,
  // A full page of 50 chats with their members and previews is well under 1 MB.
  maxResponseBytes: 32 * 1024 * 1024,
  maxExpansionRatio: 200,
});

/** Bounds of GRAPH_MAX_RESPONSE_BYTES: below a Graph page, or above what a process should hold. */
export const responseBytesRange = Object.freeze({ min: 64 * 1024, max: 1024 * 1024 * 1024 });

const nonEmpty = z.string().trim().min(1);
const httpsUrl = z.url({ protocol: /^https$/, error: "must be an https:// URL" });
const positiveMs = z.number().int().positive();

const inputSchema = z.object({
  // Checked by parseGraphBaseUrl, the one rule for a base URL, with messages that say what to set.
  baseUrl: z.string().optional(),
  auth: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("static"), token: nonEmpty }),
    z.object({
      kind: z.literal("clientSecret"),
      tenantId: nonEmpty,
      clientId: nonEmpty,
      clientSecret: nonEmpty,
      authorityHost: httpsUrl.optional(),
    }),
    z.object({
      kind: z.literal("clientCertificate"),
      tenantId: nonEmpty,
      clientId: nonEmpty,
      certificatePath: nonEmpty,
      authorityHost: httpsUrl.optional(),
    }),
  ]),
  requestTimeoutMs: positiveMs.optional(),
  retry: z
    .object({
      maxAttempts: z.number().int().min(1),
      maxThrottledAttempts: z.number().int().min(1),
      baseDelayMs: z.number().min(0),
      maxDelayMs: z.number().min(0),
      jitterRatio: z.number().min(0).max(1),
      maxRetryAfterMs: z.number().min(0),
    })
    .partial()
    .optional(),
  rateLimits: rateLimitOverridesSchema.extend({ scale: z.number().min(0).optional() }).optional(),
  maxPages: z.number().int().positive().optional(),
  maxResponseBytes: z
    .number()
    .int()
    .min(responseBytesRange.min)
    .max(responseBytesRange.max)
    .optional(),
  maxExpansionRatio: z.number().min(2).optional(),
  circuitBreaker: z
    .object({
      windowMs: z.number().int().min(0),
      minFailures: z.number().int().min(1),
    })
    .partial()
    .optional(),
});

/**
 * Validates the stage's config once, fills defaults and freezes it. Errors say which
 * field is wrong (never its value: it may be a secret).
 */
export function defineGraphConfig(input: GraphConfigInput): GraphConfig {
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(`Invalid Graph configuration:\n${z.prettifyError(parsed.error)}`);
  }
  const baseUrl = parseGraphBaseUrl(input.baseUrl ?? graphConfigDefaults.baseUrl);
  const cloud = cloudForBaseUrl(baseUrl);
  return deepFreeze({
    baseUrl,
    origin: new URL(baseUrl).origin,
    tokenScope: cloud.scope,
    auth: resolveAuth(input.auth, cloud.authorityHost, baseUrl),
    requestTimeoutMs: input.requestTimeoutMs ?? graphConfigDefaults.requestTimeoutMs,
    retry: { ...defaultRetryPolicy, ...input.retry },
    rateLimits: rateLimitsOf(input.rateLimits),
    maxPages: input.maxPages ?? graphConfigDefaults.maxPages,
    maxResponseBytes: input.maxResponseBytes ?? graphConfigDefaults.maxResponseBytes,
    maxExpansionRatio: input.maxExpansionRatio ?? graphConfigDefaults.maxExpansionRatio,
    circuitBreaker: { ...defaultCircuitBreaker, ...input.circuitBreaker },
  });
}

/**
 * The one rule for a Graph base URL (GRAPH_BASE_URL, or the simulator a command starts):
 * an http(s) root without version, with no credentials, query or fragment, and plain http
 * only on loopback (the bearer token would otherwise cross the network in clear). Returns
 * it without a trailing slash. A value that may hold credentials is never echoed.
 */
export function parseGraphBaseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(
      `GRAPH_BASE_URL must be a URL such as ${defaultGraphBaseUrl}, got '${text}'`,
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new ConfigError("GRAPH_BASE_URL must be a plain origin (no credentials, query or #)");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigError(`GRAPH_BASE_URL must be http(s), got '${text}'`);
  }
  if (url.protocol === "http:" && !isLoopback(url.hostname)) {
    throw new ConfigError(
      `GRAPH_BASE_URL ${url.origin} uses http; use https (http is only allowed on loopback)`,
    );
  }
  const path = url.pathname.replace(/\/+$/, "");
  const version = /\/(v1\.0|beta)$/i.exec(path)?.[0];
  if (version !== undefined) {
    throw new ConfigError(
      `GRAPH_BASE_URL is the Graph root without version (drop ${version}, e.g. ` +
        `${defaultGraphBaseUrl}), got '${text}'`,
    );
  }
  return `${url.origin}${path}`;
}

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127(\.\d{1,3}){3}$/.test(hostname);
}

function resolveAuth(
  auth: GraphAuthInput,
  cloudAuthorityHost: string | undefined,
  baseUrl: string,
): GraphAuth {
  if (auth.kind === "static") return { kind: "static", token: auth.token };
  const authorityHost = (auth.authorityHost ?? cloudAuthorityHost)?.replace(/\/+$/, "");
  if (authorityHost === undefined) {
    throw new ConfigError(
      `${baseUrl} is not a Microsoft Graph cloud, so its token authority is unknown: ` +
        "set AZURE_AUTHORITY_HOST (or use GRAPH_ACCESS_TOKEN)",
    );
  }
  return { ...auth, authorityHost };
}

function rateLimitsOf(input: GraphConfigInput["rateLimits"] = {}): RateLimitConfig {
  const { scale = defaultRateLimits.scale, ...overrides } = input;
  try {
    return resolveRateLimits(overrides, scale);
  } catch (error) {
    throw new ConfigError(`Invalid rate limits: ${(error as Error).message}`, { cause: error });
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
