import { GraphProtocolError } from "../errors.ts";
import { encodeId, graphUrl } from "./graph-urls.ts";
import {
  includeUnknownEnumMembers,
  type ChatCallContext,
  type StreamContext,
} from "./stream-context.ts";

/** One operation, re-polled each run until it is no longer `notStarted` / `inProgress`. */
export async function getChatOperation(
  ctx: StreamContext,
  chatId: string,
  operationId: string,
  call: ChatCallContext = {},
): Promise<Record<string, unknown>> {
  const context = { chatId, userId: call.userId, stream: "operations" };
  const path =
    `/chats/${encodeId(chatId, "chat id", context)}` +
    `/operations/${encodeId(operationId, "operation id", context)}`;
  const options = {
    scope: "getOperation",
    chatId,
    userId: call.userId,
    headers: includeUnknownEnumMembers,
    stream: "operations",
  } as const;
  const { body } = await ctx.http.getJson(graphUrl(ctx.baseUrl, "beta", path), options);
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new GraphProtocolError(`operation ${operationId} of chat ${chatId}: not a JSON object`, {
      chatId,
      userId: call.userId,
      stream: "operations",
    });
  }
  return body as Record<string, unknown>;
}
