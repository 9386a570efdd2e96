/**
 * `GET /beta/chats/{id}/operations` (`$top`, `$skip`, `$filter` on status/operationType)
 * and `GET /beta/chats/{id}/operations/{id}`, also as the 202's Location
 * `/chats('{id}')/operations('{id}')` under either version. Answers 200 (the docs' "202 OK"
 * is a typo).
 */
import type { GraphRequest, SimContext } from "../http/context.ts";
import { withQuery, type RouteOutput } from "../http/graph-response.ts";
import { parseOperationFilter, parseSkip, parseTop, rejectUnsupported } from "../http/odata.ts";
import { notFound } from "../sim-error.ts";
import { operationJson, wantsUnknownEnumMembers } from "../wire/operation-json.ts";
import { visibleChat } from "./get-chat.ts";

export function listOperations(ctx: SimContext, req: GraphRequest): RouteOutput {
  rejectUnsupported(req.query, ["$top", "$skip", "$filter", "$select"]);
  const entry = visibleChat(ctx, req);
  const filters = parseOperationFilter(req.query);
  const all = entry.state.operations.filter((op) => filters.every((f) => op[f.field] === f.value));
  const skip = parseSkip(req.query);
  const top = parseTop(req.query, {
    defaultTop: Math.max(1, all.length),
    maxTop: 999,
    tooLarge: (v) => `Invalid page size specified: '${v}'. Must be between 1 and 999 inclusive.`,
  });
  const page = all.slice(skip, skip + top);
  const unknown = wantsUnknownEnumMembers(req.headers.prefer);
  return {
    status: 200,
    headers: unknown ? { "Preference-Applied": "include-unknown-enum-members" } : {},
    page: {
      context: `${ctx.origin}/beta/$metadata#chats('${encodeURIComponent(entry.state.id)}')/operations`,
      items: page.map((op) => [JSON.stringify(operationJson(op, unknown))]),
      nextLink: skip + top < all.length ? withQuery(req.url, { $skip: String(skip + top) }) : null,
      firstPageUrl: withQuery(req.url, { $skip: null }),
    },
  };
}

export function getOperation(ctx: SimContext, req: GraphRequest): RouteOutput {
  rejectUnsupported(req.query, ["$select"]);
  const entry = visibleChat(ctx, req);
  const operation = entry.state.operations.find((op) => op.id === req.route.operationId);
  if (!operation) throw notFound(`Operation '${req.route.operationId ?? ""}'`);
  const unknown = wantsUnknownEnumMembers(req.headers.prefer);
  const version = req.route.version ?? "beta";
  return {
    status: 200,
    headers: unknown ? { "Preference-Applied": "include-unknown-enum-members" } : {},
    body: {
      "@odata.context": `${ctx.origin}/${version}/$metadata#chats('${encodeURIComponent(entry.state.id)}')/operations/$entity`,
      ...operationJson(operation, unknown),
    },
  };
}
