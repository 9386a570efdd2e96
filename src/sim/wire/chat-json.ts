/**
 * Chats on the wire, with Graph's property order. The per-user part is sent as
 * `viewpoint` or `chatViewpoint` (the doc samples use both; which one is fixed per chat).
 */
import type { Chat, ChatViewpoint } from "@microsoft/microsoft-graph-types";
import type { SimChatState } from "../model.ts";

export type ChatWire = Chat & {
  chatViewpoint?: ChatViewpoint | null;
  migrationMode?: string | null;
  originalCreatedDateTime?: string | null;
};

export interface ChatWireOptions {
  /** The user whose viewpoint is included; none for app-only `GET /chats/{id}` and `POST /chats`. */
  readonly viewpointOf?: string;
  /** Sent instead of the exact value (the list-vs-get inconsistency quirk). */
  readonly lastUpdatedDateTime?: string;
}

export function chatJson(chat: SimChatState, options: ChatWireOptions = {}): ChatWire {
  const wire: ChatWire = {
    id: chat.id,
    topic: chat.topic,
    createdDateTime: chat.createdDateTime,
    lastUpdatedDateTime: options.lastUpdatedDateTime ?? chat.lastUpdatedDateTime,
    chatType: chat.chatType,
    webUrl: chat.webUrl,
    tenantId: chat.tenantId,
    onlineMeetingInfo: chat.onlineMeetingInfo,
    isHiddenForAllMembers: chat.isHiddenForAllMembers,
    migrationMode: chat.migrationMode,
    originalCreatedDateTime: chat.originalCreatedDateTime,
  };
  const viewpoint =
    options.viewpointOf === undefined ? undefined : chat.viewpoints[options.viewpointOf];
  if (viewpoint) {
    wire[chat.viewpointProperty] = {
      isHidden: viewpoint.isHidden,
      lastMessageReadDateTime: viewpoint.lastMessageReadDateTime,
    };
  }
  return wire;
}
