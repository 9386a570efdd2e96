/** `GET /users` (paged, `$top` up to 999, default 100) and `GET /users/{id|upn}`. */
import type { GraphRequest, SimContext } from "../http/context.ts";
import type { RouteOutput } from "../http/graph-response.ts";
import { withQuery } from "../http/graph-response.ts";
import { parseTop, rejectUnsupported } from "../http/odata.ts";
import { userJson } from "../wire/user-json.ts";
import { userNotFound } from "../sim-error.ts";

export function listUsers(ctx: SimContext, req: GraphRequest): RouteOutput {
  // $select is accepted and ignored: the default property set is always sent.
  rejectUnsupported(req.query, ["$top", "$select", "$skiptoken"]);
  const top = parseTop(req.query, {
    defaultTop: 100,
    maxTop: 999,
    tooLarge: (v) => `Invalid page size specified: '${v}'. Must be between 1 and 999 inclusive.`,
  });
  const token = req.query.get("$skiptoken");
  const offset = token === null ? 0 : Number(ctx.skipTokens.decode("users", token).offset);
  const users = ctx.store.users.slice(offset, offset + top);
  const end = offset + users.length;
  return {
    status: 200,
    page: {
      context: `${ctx.origin}/${req.route.version}/$metadata#users`,
      items: users.map((u) => [JSON.stringify(userJson(u))]),
      nextLink:
        end < ctx.store.users.length
          ? withQuery(req.url, { $skiptoken: ctx.skipTokens.encode("users", { offset: end }) })
          : null,
      firstPageUrl: withQuery(req.url, { $skiptoken: null }),
    },
  };
}

export function getUser(ctx: SimContext, req: GraphRequest): RouteOutput {
  rejectUnsupported(req.query, ["$select"]);
  if (!req.user) throw userNotFound(req.route.userRef ?? "");
  return {
    status: 200,
    body: {
      "@odata.context": `${ctx.origin}/${req.route.version}/$metadata#users/$entity`,
      ...userJson(req.user),
    },
  };
}
