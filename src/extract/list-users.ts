import { graphUrl } from "./graph-urls.ts";
import { paginate } from "./paginate.ts";
import type { StreamContext } from "./stream-context.ts";

/** `$top=999` is the largest page `/users` serves: fewest requests for the whole tenant. */
const usersPath = "/users?$select=id,userPrincipalName,displayName&$top=999";

/**
 * Every user of the tenant as Graph lists it (`id`, `userPrincipalName`), page by page: the
 * default set of users to sync. Items are not checked here: the orchestrator normalizes
 * them, and dead-letters one that cannot be keyed instead of failing the run.
 */
export async function* listUsers(ctx: StreamContext): AsyncGenerator<unknown, void, undefined> {
  const pages = paginate(ctx.http, graphUrl(ctx.baseUrl, "v1.0", usersPath), {
    scope: "listUsers",
    stream: "users",
    listing: "users of the tenant",
    maxPages: ctx.maxPages,
  });
  for await (const page of pages) yield* page.items;
}
