import { inspect } from "node:util";
import {
  ClientCertificateCredential,
  ClientSecretCredential,
  type AccessToken,
  type ClientCertificateCredentialOptions,
  type TokenCredential,
} from "@azure/identity";
import { AuthError } from "../errors.ts";
import { systemNow, type Now } from "../runtime.ts";
import { isMicrosoftAuthorityHost } from "./cloud.ts";
import type { GraphAuth } from "./graph-config.ts";
import { maskKnownSecrets, revealsSecret } from "./known-secrets.ts";
import { cleanResponseText, showsCredential } from "./response-text.ts";

export interface TokenProvider {
  getToken(): Promise<string>;
  /**
   * Graph answered 401 to a request that carried `token`: forget it, so the next
   * `getToken` asks the credential for a new one. False when no other token can be had
   * (a static token), and the 401 is final.
   */
  invalidate?(token: string): boolean;
  /** Every secret this provider holds or has handed out, to cut from what responses say. */
  secrets?(): readonly string[];
}

/** Tokens remembered for redaction after they were replaced (a run sees a few per hour). */
const rememberedTokens = 8;

/**
 * @azure/identity options we pass through. `agent` (an `https.Agent`) or `tlsOptions.ca`
 * let a local TLS token endpoint with a self-signed certificate be trusted;
 * `disableInstanceDiscovery` defaults to true for authorities that are not Microsoft's.
 */
export type CredentialOptions = Pick<
  ClientCertificateCredentialOptions,
  | "disableInstanceDiscovery"
  | "additionallyAllowedTenants"
  | "agent"
  | "tlsOptions"
  | "proxyOptions"
  | "httpClient"
  | "retryOptions"
  | "sendCertificateChain"
>;

export interface TokenProviderOptions {
  /** `${graphOrigin}/.default` (GraphConfig.tokenScope). */
  readonly scope: string;
  readonly credentialOptions?: CredentialOptions;
  /** Fetch a new token this long before the old one expires. Default 5 minutes. */
  readonly refreshMarginMs?: number;
  readonly now?: Now;
  /** Use this credential instead of building one from `auth` (tests, managed identity). */
  readonly credential?: TokenCredential;
}

export const defaultRefreshMarginMs = 5 * 60_000;

/**
 * A token source for the Graph client. The credential caches too, but we keep the token
 * ourselves and share one in-flight request, so thousands of concurrent Graph calls cost
 * one token request per token lifetime whatever the credential does.
 */
export function createTokenProvider(auth: GraphAuth, options: TokenProviderOptions): TokenProvider {
  if (auth.kind === "static") {
    const token = auth.token;
    return {
      getToken: () => Promise.resolve(token),
      invalidate: () => false,
      secrets: () => [token],
    };
  }
  // Re-bound so the narrowing survives into the closures below.
  const credentialAuth: CredentialAuth = auth;
  const build = (): TokenCredential => buildCredential(credentialAuth, options.credentialOptions);
  let credential = options.credential ?? build();
  const now = options.now ?? systemNow;
  const marginMs = options.refreshMarginMs ?? defaultRefreshMarginMs;
  let cached: AccessToken | undefined;
  let inFlight: Promise<string> | undefined;
  /** Tokens handed out, newest last. */
  const issued: string[] = [];

  async function fetchToken(): Promise<string> {
    let token: AccessToken | null;
    try {
      token = await credential.getToken(options.scope);
    } catch (error) {
      throw authError(credentialAuth, error);
    }
    if (!token?.token)
      throw authError(credentialAuth, new Error("the credential returned no token"));
    cached = token;
    if (!issued.includes(token.token)) issued.push(token.token);
    issued.splice(0, Math.max(0, issued.length - rememberedTokens));
    return token.token;
  }

  return {
    getToken() {
      if (cached && now() < refreshAtMs(cached, marginMs)) return Promise.resolve(cached.token);
      inFlight ??= fetchToken().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    invalidate(token) {
      // Concurrent requests that carried the same token all get here: only the first
      // drops it; the others retry with whatever replaced it.
      if (cached?.token === token) {
        cached = undefined;
        // The credential's own cache (MSAL's) would hand back the token Graph just
        // refused until it expires; a fresh credential has an empty one.
        if (!options.credential) credential = build();
      }
      return true;
    },
    secrets: () => [
      ...(credentialAuth.kind === "clientSecret" ? [credentialAuth.clientSecret] : []),
      ...issued,
    ],
  };
}

function refreshAtMs(token: AccessToken, marginMs: number): number {
  return Math.min(token.refreshAfterTimestamp ?? Infinity, token.expiresOnTimestamp - marginMs);
}

type CredentialAuth = Exclude<GraphAuth, { kind: "static" }>;

function buildCredential(
  auth: CredentialAuth,
  passthrough: CredentialOptions = {},
): TokenCredential {
  const options = {
    ...passthrough,
    // Always explicit: left undefined, @azure/identity would read AZURE_AUTHORITY_HOST itself.
    authorityHost: auth.authorityHost,
    disableInstanceDiscovery:
      passthrough.disableInstanceDiscovery ?? !isMicrosoftAuthorityHost(auth.authorityHost),
  };
  try {
    return auth.kind === "clientSecret"
      ? new ClientSecretCredential(auth.tenantId, auth.clientId, auth.clientSecret, options)
      : new ClientCertificateCredential(
          auth.tenantId,
          auth.clientId,
          auth.certificatePath,
          options,
        );
  } catch (error) {
    throw authError(auth, error);
  }
}

function authError(auth: CredentialAuth, error: unknown): AuthError {
  const secrets = auth.kind === "clientSecret" ? [auth.clientSecret] : [];
  const detail = error instanceof Error ? error.message : String(error);
  // The authority's answer is quoted: it may echo the secret or the client assertion.
  const reason = cleanResponseText(
    maskKnownSecrets(detail, secrets).split("\n")[0] ?? "",
    secrets,
    500,
  );
  // MSAL's code alone does not say that the authority itself was unusable.
  const hint = reason.includes("endpoints_resolution_error")
    ? " (could not read the authority's OpenID metadata: is the authority host right, " +
      "reachable, and its TLS certificate trusted?)"
    : "";
  const credentialVariable =
    auth.kind === "clientSecret"
      ? "AZURE_CLIENT_SECRET (the secret's value, not its id)"
      : "AZURE_CLIENT_CERTIFICATE_PATH (a PEM file with the certificate and its private key)";
  return new AuthError(
    `Could not get a Microsoft Graph token for client ${auth.clientId} in tenant ` +
      `${auth.tenantId} from ${auth.authorityHost}: ${reason}${hint}. Check AZURE_TENANT_ID, ` +
      `AZURE_CLIENT_ID, ${credentialVariable} and AZURE_AUTHORITY_HOST, and that the app ` +
      "has the Graph application permissions (Chat.Read.All, User.Read.All) with admin consent.",
    // A library error that shows the secret (or an echoed assertion or token) is dropped
    // rather than carried along.
    {
      cause:
        revealsSecret(error, secrets) || showsCredential(inspect(error, { depth: 8 }))
          ? undefined
          : error,
    },
  );
}
