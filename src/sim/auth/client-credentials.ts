/**
 * `POST /{tenant}/oauth2/v2.0/token` for the client credentials grant, with Entra's
 * error shapes and AADSTS codes, so credential libraries take their real error paths.
 * The secret is compared in constant time and never logged.
 */
import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import type { TokenIssuer, TokenResponse } from "./token-issuer.ts";

export interface EntraError {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
}

export type TokenResult =
  { status: 200; body: TokenResponse } | { status: 400 | 401; body: EntraError };

export function clientCredentialsToken(
  issuer: TokenIssuer,
  tenant: string,
  tenantAliases: readonly string[],
  form: URLSearchParams,
  origin: string,
): TokenResult {
  const { tenantId, clientId, clientSecret } = issuer.settings;
  if (!tenantAliases.includes(tenant.toLowerCase())) {
    return fail(
      400,
      "invalid_request",
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
      origin,
    );
  }
  const grantType = form.get("grant_type");
  if (grantType === null) {
    return fail(
      400,
      "invalid_request",
      900144,
      "The request body must contain the following parameter: 'grant_type'.",
      origin,
    );
  }
  if (grantType !== "client_credentials") {
    return fail(
      400,
      "unsupported_grant_type",
      70003,
      `The app requested an unsupported grant type '${grantType}'.`,
      origin,
    );
  }
  const requestedClient = form.get("client_id");
  if (requestedClient === null || requestedClient === "") {
    return fail(
      400,
      "invalid_request",
      900144,
      "The request body must contain the following parameter: 'client_id'.",
      origin,
    );
  }
  if (requestedClient !== clientId) {
    return fail(
      400,
      "unauthorized_client",
      700016,
      `Application with identifier '${requestedClient}' was not found in the directory '${tenantId}'.`,
      origin,
    );
  }
  const secret = form.get("client_secret");
  if (secret === null || secret === "") {
    return fail(
      401,
      "invalid_client",
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      origin,
    );
  }
  if (!sameSecret(secret, clientSecret)) {
    return fail(
      401,
      "invalid_client",
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
      origin,
    );
  }
  const scope = form.get("scope") ?? "";
  const resource = scope.split(" ").find((s) => s.endsWith("/.default"));
  if (resource === undefined) {
    return fail(
      400,
      "invalid_scope",
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      origin,
    );
  }
  return { status: 200, body: issuer.issue(resource) };
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

function fail(
  status: 400 | 401,
  error: string,
  code: number,
  message: string,
  origin: string,
): TokenResult {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date()
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "Z");
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${code}: ${message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `${origin}/error?code=${code}`,
    },
  };
}
