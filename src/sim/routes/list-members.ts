/**
 * `GET /chats/{id}/members`: the complete member list (no 25 cap), paged with `$top`
 * (default `membersPageSize`, 100) and an offset `$skiptoken`.
 */
import type { GraphRequest, SimContext } from "../http/context.ts";
import { withQuery, type RouteOutput } from "../http/graph-response.ts";
import { parseTop, rejectUnsupported } from "../http/odata.ts";
import { invalidContinuationToken } from "../http/skiptoken.ts";
import { memberJson } from "../wire/member-json.ts";
import { visibleChat } from "./get-chat.ts";

export function listMembers(ctx: SimContext, req: GraphRequest): RouteOutput {
  rejectUnsupported(req.query, ["$top", "$skiptoken", "$select"]);
  const entry = visibleChat(ctx, req);
  const top = parseTop(req.query, {
    defaultTop: ctx.settings.membersPageSize,
    maxTop: 999,
    tooLarge: (v) => `Invalid page size specified: '${v}'. Must be between 1 and 999 inclusive.`,
  });
  const listing = `members:${entry.state.id}`;
  const token = req.query.get("$skiptoken");
  const offset = token === null ? 0 : ctx.skipTokens.decode(listing, token).offset;
  if (typeof offset !== "number") throw invalidContinuationToken();
  const members = entry.state.members.slice(offset, offset + top);
  const end = offset + members.length;
  return {
    status: 200,
    page: {
      context: `${ctx.origin}/${req.route.version}/$metadata#chats('${encodeURIComponent(entry.state.id)}')/members`,
      items: members.map((m) => [JSON.stringify(memberJson(m))]),
      nextLink:
        end < entry.state.members.length
          ? withQuery(req.url, { $skiptoken: ctx.skipTokens.encode(listing, { offset: end }) })
          : null,
      firstPageUrl: withQuery(req.url, { $skiptoken: null }),
    },
  };
}
