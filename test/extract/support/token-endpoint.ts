import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { generate } from "selfsigned";

export interface TokenEndpoint {
  /** `https://127.0.0.1:PORT`: an Entra-like authority host. */
  readonly authorityHost: string;
  /** PEM of the endpoint's self-signed certificate, to trust it explicitly. */
  readonly ca: string;
  /** Form bodies of token requests received. */
  readonly tokenRequests: URLSearchParams[];
  close(): Promise<void>;
}

export interface TokenEndpointOptions {
  readonly clientSecret: string;
  readonly accessToken: string;
  readonly expiresInSeconds?: number;
}

/**
 * A local stand-in for login.microsoftonline.com over TLS (MSAL refuses plain http):
 * OpenID metadata and a client-credentials token endpoint. A client assertion (certificate
 * auth) is accepted as is; a client secret must match.
 */
export async function startTokenEndpoint(options: TokenEndpointOptions): Promise<TokenEndpoint> {
  const pems = await generate([{ name: "commonName", value: "127.0.0.1" }], {
    keySize: 2048,
    algorithm: "sha256",
    extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] }],
  });
  const tokenRequests: URLSearchParams[] = [];
  let origin = "";
  const server = createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const [, tenant = "", ...rest] = (req.url ?? "").split("?")[0]?.split("/") ?? [];
    const path = rest.join("/");
    if (req.method === "GET" && path === "v2.0/.well-known/openid-configuration") {
      return reply(200, {
        token_endpoint: `${origin}/${tenant}/oauth2/v2.0/token`,
        authorization_endpoint: `${origin}/${tenant}/oauth2/v2.0/authorize`,
        issuer: `${origin}/${tenant}/v2.0`,
        jwks_uri: `${origin}/${tenant}/discovery/v2.0/keys`,
      });
    }
    if (req.method === "POST" && path === "oauth2/v2.0/token") {
      let raw = "";
      req.on("data", (chunk: Buffer) => (raw += chunk.toString()));
      req.on("end", () => {
        const form = new URLSearchParams(raw);
        tokenRequests.push(form);
        const secretOk = form.get("client_secret") === options.clientSecret;
        if (!secretOk && !form.has("client_assertion")) {
          return reply(401, {
            error: "invalid_client",
            error_description: "AADSTS7000215: Invalid client secret provided.",
          });
        }
        reply(200, {
          token_type: "Bearer",
          expires_in: options.expiresInSeconds ?? 3599,
          ext_expires_in: options.expiresInSeconds ?? 3599,
          access_token: options.accessToken,
        });
      });
      return undefined;
    }
    reply(404, { error: "not_found", error_description: req.url });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    authorityHost: origin,
    ca: pems.cert,
    tokenRequests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
