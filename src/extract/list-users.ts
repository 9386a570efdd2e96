import { GraphProtocolError } from "../errors.ts";
import { graphUrl } from "./graph-urls.ts";
import { paginate } from "./paginate.ts";
import type { StreamContext } from "./stream-context.ts";

/** `$top=999` is the largest page `/users` serves: fewest requests for the whole tenant. */
const usersPath = "/users?$select=id,userPrincipalName,displayName&$top=999";

/** Every user id in the tenant, page by page (the default set of users to sync). */
export async function* listUsers(ctx: StreamContext): AsyncGenerator<string, void, undefined> {
  const pages = paginate(ctx.http, graphUrl(ctx.baseUrl, "v1.0", usersPath), {
    scope: "listUsers",
    stream: "users",
    listing: "users of the tenant",
    maxPages: ctx.maxPages,
  });
  for await (const page of pages) {
    for (const user of page.items) {
      const id = (user as { id?: unknown } | null)?.id;
      if (typeof id !== "string" || id === "") {
        throw new GraphProtocolError(
          `users of the tenant: ${page.url} listed a user without an id`,
          {
            stream: "users",
          },
        );
      }
      yield id;
    }
  }
}
