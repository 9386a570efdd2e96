import { GraphProtocolError } from "../errors.ts";
import type { GraphRequestOptions } from "./graph-request.ts";
import { encodeId, graphUrl, type GraphVersion } from "./graph-urls.ts";
import { paginate, type GraphPage } from "./paginate.ts";
import type { RateLimitScope } from "./rate-limits.ts";
import { includeUnknownEnumMembers, type StreamContext } from "./stream-context.ts";

/** A fixed path segment, or an id (encoded; refused before any request when it cannot be one). */
export type PathPart = string | { readonly id: string; readonly what: string };

/**
 * One Graph GET, declared: where (version, path, query), what it spends (its rate-limit
 * call kind, keyed by its user and chat), and how it is named in errors and logs. The
 * streams declare their calls this way; this module turns them into requests.
 */
export interface GraphCall {
  readonly version: GraphVersion;
  readonly path: readonly PathPart[];
  /** The query string without `?`, already encoded (`$top=50&$orderby=…`). */
  readonly query?: string;
  readonly scope: RateLimitScope;
  /** `members`, `operations`, `messages`…: named on errors and logs. */
  readonly stream: string;
  readonly userId?: string;
  readonly chatId?: string;
  /** Ask for enum values after `unknownFutureValue` (`Prefer: include-unknown-enum-members`). */
  readonly unknownEnums?: boolean;
  /** Names a listing in errors (`members of chat 19:…`); default: the path. */
  readonly listing?: string;
}

export function callUrl(baseUrl: string, call: GraphCall): string {
  const context = { userId: call.userId, chatId: call.chatId, stream: call.stream };
  const path = call.path
    .map((part) => (typeof part === "string" ? part : encodeId(part.id, part.what, context)))
    .join("/");
  return graphUrl(baseUrl, call.version, `/${path}${call.query ? `?${call.query}` : ""}`);
}

function requestOptions(call: GraphCall): GraphRequestOptions {
  return {
    scope: call.scope,
    stream: call.stream,
    ...(call.userId === undefined ? {} : { userId: call.userId }),
    ...(call.chatId === undefined ? {} : { chatId: call.chatId }),
    ...(call.unknownEnums ? { headers: includeUnknownEnumMembers } : {}),
  };
}

function listingName(call: GraphCall): string {
  return call.listing ?? call.path.map((p) => (typeof p === "string" ? p : p.id)).join("/");
}

/**
 * The collection's pages, following `@odata.nextLink` (see paginate); `from` continues at a
 * link kept from an earlier run (a delta link), which must be on the Graph origin.
 */
export function callPages(
  ctx: StreamContext,
  call: GraphCall,
  from?: string,
): AsyncIterableIterator<GraphPage> {
  return paginate(ctx.http, from ?? callUrl(ctx.baseUrl, call), {
    ...requestOptions(call),
    listing: listingName(call),
    maxPages: ctx.maxPages,
  });
}

/** Every item of the collection, all pages or an error (a partial list would mislead). */
export async function listAll(ctx: StreamContext, call: GraphCall): Promise<unknown[]> {
  const items: unknown[] = [];
  for await (const page of callPages(ctx, call)) items.push(...page.items);
  return items;
}

/** One object (a GET of an entity rather than a collection). */
export async function getObject(
  ctx: StreamContext,
  call: GraphCall,
): Promise<Record<string, unknown>> {
  const { body } = await ctx.http.getJson(callUrl(ctx.baseUrl, call), requestOptions(call));
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new GraphProtocolError(`${listingName(call)}: not a JSON object`, {
      userId: call.userId,
      chatId: call.chatId,
      stream: call.stream,
    });
  }
  return body as Record<string, unknown>;
}
