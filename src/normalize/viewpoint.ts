import type * as MicrosoftGraph from "@microsoft/microsoft-graph-types";
import { isDeepStrictEqual } from "node:util";
import { describeJson, FieldReader, isJsonObject, ownValue } from "./fields.ts";
import type { JsonObject, UserChatRow } from "./rows.ts";

/** Graph sends the per-user viewpoint under either name (docs/graph.md, "Chats"). */
export const VIEWPOINT_KEYS = ["viewpoint", "chatViewpoint"] as const;

/**
 * The calling user's viewpoint of a chat, or null when the item carries none. With both
 * spellings present, `viewpoint` wins (a warning when they differ).
 */
export function readViewpoint(
  chat: JsonObject,
  userId: string,
  chatId: string,
  warnings: string[],
): UserChatRow | null {
  const present = VIEWPOINT_KEYS.map((key) => [key, ownValue(chat, key) ?? null] as const).filter(
    ([, value]) => value !== null,
  );
  const [chosen, other] = present;
  if (chosen === undefined) return null;
  const [key, value] = chosen;
  if (other !== undefined && !isDeepStrictEqual(value, other[1])) {
    warnings.push(`${other[0]}: differs from ${key}; used ${key}`);
  }
  if (!isJsonObject(value)) {
    warnings.push(`${key}: expected an object, got ${describeJson(value)}; no viewpoint stored`);
    return null;
  }
  const read = new FieldReader<MicrosoftGraph.ChatViewpoint>(value, key, warnings);
  return {
    user_id: userId,
    chat_id: chatId,
    is_hidden: read.boolean("isHidden"),
    last_message_read_at: read.timestamp("lastMessageReadDateTime"),
  };
}
