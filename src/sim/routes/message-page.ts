/**
 * What the message routes share: the chat a path names, `$skiptoken` cursors (the key
 * and id of the last message served, so messages added or changed meanwhile never shift
 * a page), the Prefer header, and message items as JSON pieces.
 */
import type { Cursor } from "../messages/chat-view.ts";
import type { SimContext } from "../http/context.ts";
import type { JsonChunks } from "../http/json-chunks.ts";
import { invalidContinuationToken, type Cursor as TokenCursor } from "../http/skiptoken.ts";
import type { SimMessage } from "../model.ts";
import { messageJson } from "../wire/message-json.ts";
import { wantsUnknownEnumMembers } from "../wire/operation-json.ts";

export function cursorPayload(cursor: Cursor): TokenCursor {
  return { k: cursor.key.ms, t: cursor.key.ticks, i: cursor.idMs };
}

export function cursorOf(payload: TokenCursor): Cursor {
  const { k, t, i } = payload;
  if (typeof k !== "number" || typeof t !== "number" || typeof i !== "number")
    throw invalidContinuationToken();
  return { key: { ms: k, ticks: t }, idMs: i };
}

export function preferUnknown(prefer: string | string[] | undefined): {
  include: boolean;
  headers: Record<string, string>;
} {
  const include = wantsUnknownEnumMembers(prefer);
  return {
    include,
    headers: include ? { "Preference-Applied": "include-unknown-enum-members" } : {},
  };
}

export function messageItem(message: SimMessage, include: boolean, typed = false): JsonChunks {
  return [JSON.stringify(messageJson(message, { includeUnknownEnumMembers: include, typed }))];
}

export function messagesContext(ctx: SimContext, version: string, chatId: string): string {
  return `${ctx.origin}/${version}/$metadata#chats('${encodeURIComponent(chatId)}')/messages`;
}
