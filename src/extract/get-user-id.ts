import { GraphProtocolError } from "../errors.ts";
import { encodeId, graphUrl } from "./graph-urls.ts";
import type { StreamContext } from "./stream-context.ts";

/**
 * The object id of a user given by id or UPN (from `--users` or a users file), so rows and
 * watermarks are keyed the same whichever form was given.
 */
export async function getUserId(ctx: StreamContext, idOrUpn: string): Promise<string> {
  const segment = encodeId(idOrUpn, "user id or UPN", { userId: idOrUpn, stream: "users" });
  const path = `/users/${segment}?$select=id`;
  const options = { scope: "getUser", userId: idOrUpn, stream: "users" } as const;
  const { body } = await ctx.http.getJson(graphUrl(ctx.baseUrl, "v1.0", path), options);
  const id = (body as { id?: unknown } | null)?.id;
  if (typeof id !== "string" || id === "") {
    throw new GraphProtocolError(`user ${idOrUpn}: Graph answered without an id`, {
      userId: idOrUpn,
      stream: "users",
    });
  }
  return id;
}
