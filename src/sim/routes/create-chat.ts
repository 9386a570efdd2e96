/** `POST /chats`: 201 with the chat, or 202 with a Location when apps are installed. */
import type { GraphRequest, SimContext } from "../http/context.ts";
import type { RouteOutput } from "../http/graph-response.ts";
import { badRequest } from "../sim-error.ts";
import { chatJson } from "../wire/chat-json.ts";

export function createChatRoute(ctx: SimContext, req: GraphRequest): RouteOutput {
  let body: unknown;
  try {
    body = req.body.trim() === "" ? undefined : JSON.parse(req.body);
  } catch {
    throw badRequest(
      "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
    );
  }
  const result = ctx.tenant.createChat(body);
  if (result.status === 202) {
    return {
      status: 202,
      headers: { Location: `/chats('${result.chat.id}')/operations('${result.operation.id}')` },
      empty: true,
    };
  }
  return {
    status: 201,
    body: {
      "@odata.context": `${ctx.origin}/${req.route.version}/$metadata#chats/$entity`,
      ...chatJson(result.chat),
    },
  };
}
