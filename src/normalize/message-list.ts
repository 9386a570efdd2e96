import { isDeepStrictEqual } from "node:util";
import { rejectionWarning } from "./keyed-item.ts";
import { messageFromClean } from "./message.ts";
import { applyMessagePrivacy } from "./message-privacy.ts";
import { resolveNormalizeOptions, type NormalizeOptions } from "./options.ts";
import type { NormalizedChatMessage, Rejected } from "./rows.ts";
import { sanitizeJson } from "./sanitize.ts";
import { graphTimestampTicks } from "./timestamp.ts";

export interface NormalizedChatMessages {
  /** One per (chat, message id), in the order first seen. */
  readonly messages: NormalizedChatMessage[];
  readonly warnings: string[];
  /** Messages that could not be keyed, for dead-letter records. */
  readonly rejected: Rejected[];
}

/**
 * A page (or several, concatenated) of messages: the `value` of
 * `GET /chats/{id}/messages` (pass the chat id) or of getAllMessages (pass null: each
 * item's `chatId` keys it).
 *
 * Duplicates: getAllMessages returns a chat's messages once per member, so one
 * (chat, id) may come several times. The newest by lastModifiedDateTime is kept (the
 * first among equals); a warning is given only when copies of one version differ.
 */
export function normalizeChatMessages(
  json: unknown,
  chatId: string | null,
  options: Partial<NormalizeOptions> = {},
): NormalizedChatMessages {
  const warnings: string[] = [];
  const clean = sanitizeJson(json, warnings);
  const opts = resolveNormalizeOptions(options);
  if (!Array.isArray(clean)) {
    const raw = applyMessagePrivacy(clean, opts);
    const context = chatId ?? "(no chat id)";
    const reason = "message list is not an array";
    return { messages: [], warnings, rejected: [{ kind: "message", context, reason, raw }] };
  }
  const rejected: Rejected[] = [];
  const kept = new Map<string, { message: NormalizedChatMessage; at: string; ticks: bigint }>();
  clean.forEach((item, i) => {
    const at = `[${i}]`;
    const result = messageFromClean(item, chatId, opts, at, warnings);
    if (!result.ok) {
      rejected.push(result.rejected);
      warnings.push(rejectionWarning(at, result.rejected));
      return;
    }
    const message = result.value;
    const { chat_id, message_id, last_modified_raw } = message.message;
    const key = `${chat_id.length}:${chat_id}${message_id}`;
    const ticks =
      last_modified_raw === null ? -1n : (graphTimestampTicks(last_modified_raw) ?? -1n);
    const seen = kept.get(key);
    if (seen === undefined || ticks > seen.ticks) {
      // Re-inserting would move it to the end: keep the first position.
      if (seen === undefined) kept.set(key, { message, at, ticks });
      else Object.assign(seen, { message, at, ticks });
      return;
    }
    if (ticks === seen.ticks && !isDeepStrictEqual(seen.message, message)) {
      warnings.push(`${at}: same message as ${seen.at} with different content; kept ${seen.at}`);
    }
  });
  return { messages: [...kept.values()].map((k) => k.message), warnings, rejected };
}
