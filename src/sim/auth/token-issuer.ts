/**
 * Access tokens: JWT-shaped (clients must treat them as opaque), HMAC-signed with a key
 * made at start, remembered until they expire (real time, as MSAL caches by real time).
 * The fixed `token` is always accepted too, for clients given a static token.
 */
import { createHmac, randomBytes, randomUUID } from "node:crypto";

export interface AuthSettings {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** A static bearer token that is always accepted. */
  readonly token: string;
  readonly tokenLifetimeSeconds: number;
}

export interface TokenResponse {
  token_type: "Bearer";
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
}

export type BearerCheck = { ok: true } | { ok: false; message: string };

export class TokenIssuer {
  private readonly key = randomBytes(32);
  private readonly issued = new Map<string, number>();

  constructor(
    readonly settings: AuthSettings,
    private readonly now: () => number = Date.now,
  ) {}

  issue(scope: string): TokenResponse {
    const nowSec = Math.floor(this.now() / 1000);
    const lifetime = this.settings.tokenLifetimeSeconds;
    const header = { typ: "JWT", alg: "HS256" };
    const payload = {
      aud: scope.replace(/\/\.default$/, ""),
      iss: `https://sts.windows.net/${this.settings.tenantId}/`,
      iat: nowSec,
      nbf: nowSec,
      exp: nowSec + lifetime,
      appid: this.settings.clientId,
      tid: this.settings.tenantId,
      roles: ["Chat.Read.All", "User.Read.All"],
      jti: randomUUID(),
    };
    const unsigned = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    const token = `${unsigned}.${createHmac("sha256", this.key).update(unsigned).digest("base64url")}`;
    this.issued.set(token, (nowSec + lifetime) * 1000);
    return {
      token_type: "Bearer",
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: token,
    };
  }

  /** Checks an `Authorization` header the way Graph words its 401s. */
  check(authorization: string | undefined): BearerCheck {
    const match = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    const token = match?.[1];
    if (token === undefined || token === "")
      return { ok: false, message: "Access token is empty." };
    if (token === this.settings.token) return { ok: true };
    const expiresAt = this.issued.get(token);
    if (expiresAt === undefined)
      return { ok: false, message: "Access token validation failure. Invalid audience." };
    if (expiresAt <= this.now()) {
      this.issued.delete(token);
      return { ok: false, message: "Lifetime validation failed, the token is expired." };
    }
    return { ok: true };
  }
}

function b64url(text: string): string {
  return Buffer.from(text).toString("base64url");
}
