import type * as MicrosoftGraph from "@microsoft/microsoft-graph-types";
import { FieldReader } from "./fields.ts";
import { partItems, type PartContext } from "./message-mentions.ts";
import type { ChatMessageReactionRow, Json } from "./rows.ts";

/**
 * `reactions[]` -> one row per (user, reaction type), the table's key.
 *
 * - A reaction without a reactionType string, or whose `user.user.id` is missing (an
 *   app's or an unknown identity's reaction) cannot be keyed: it is left out with a
 *   warning; the message's raw keeps it.
 * - The same user with the same type twice keeps the first, with a warning. Two
 *   different custom reactions of one user share the type `custom`, so only the first
 *   of them has a row (the rest stay in raw).
 * - `display_name` is the reaction's own displayName (e.g. a custom reaction's name),
 *   never the reacting user's name.
 */
export function readReactions(value: Json | undefined, at: PartContext): ChatMessageReactionRow[] {
  const rows: ChatMessageReactionRow[] = [];
  const seen = new Map<string, string>();
  for (const [item, path] of partItems(value, at)) {
    const read = new FieldReader<MicrosoftGraph.ChatMessageReaction>(item, path, at.warnings);
    const type = read.string("reactionType");
    const userId = reactingUserId(read.object("user"), path, at.warnings);
    if (type === null || type === "" || userId === null) {
      const missing = type === null || type === "" ? "a reactionType" : "a user id";
      at.warnings.push(`${path}: reaction without ${missing}; left out`);
      continue;
    }
    const key = `${userId.length}:${userId}${type}`;
    const first = seen.get(key);
    if (first !== undefined) {
      at.warnings.push(`${path}: same user and reactionType as ${first}; kept ${first}`);
      continue;
    }
    seen.set(key, path);
    rows.push({
      chat_id: at.chatId,
      message_id: at.messageId,
      user_id: userId,
      reaction_type: type,
      display_name: read.string("displayName"),
      created_at: read.timestamp("createdDateTime"),
      reaction_content_url: read.string("reactionContentUrl"),
    });
  }
  return rows;
}

function reactingUserId(
  set: Record<string, Json> | null,
  path: string,
  warnings: string[],
): string | null {
  if (set === null) return null;
  const user = new FieldReader<MicrosoftGraph.ChatMessageReactionIdentitySet>(
    set,
    `${path}.user`,
    warnings,
  ).object("user");
  if (user === null) return null;
  const id = new FieldReader<MicrosoftGraph.Identity>(
    user,
    `${path}.user.user`,
    warnings,
  ).identifier("id");
  return id === "" ? null : id;
}
