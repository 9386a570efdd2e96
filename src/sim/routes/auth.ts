/** The Entra stand-in: token endpoint and the discovery documents MSAL reads. */
import { clientCredentialsToken } from "../auth/client-credentials.ts";
import { instanceDiscovery, jwks, openIdConfiguration } from "../auth/discovery.ts";
import type { GraphRequest, SimContext } from "../http/context.ts";
import type { RouteOutput } from "../http/graph-response.ts";

export function tokenRoute(ctx: SimContext, req: GraphRequest): RouteOutput {
  const aliases = [ctx.store.tenantId.toLowerCase(), ctx.store.domain.toLowerCase()];
  const result = clientCredentialsToken(
    ctx.issuer,
    req.route.tenant ?? "",
    aliases,
    new URLSearchParams(req.body),
    ctx.origin,
  );
  // Entra never lets token responses be cached.
  return {
    status: result.status,
    headers: { "Cache-Control": "no-store, no-cache", Pragma: "no-cache" },
    body: result.body,
  };
}

export function discoveryRoute(ctx: SimContext, req: GraphRequest): RouteOutput {
  const tenant = req.route.tenant ?? ctx.store.tenantId;
  switch (req.route.document) {
    case "instance":
      return {
        status: 200,
        body: instanceDiscovery(ctx.origin, tenant === "common" ? ctx.store.tenantId : tenant),
      };
    case "keys":
      return { status: 200, body: jwks() };
    default:
      return { status: 200, body: openIdConfiguration(ctx.origin, tenant) };
  }
}
