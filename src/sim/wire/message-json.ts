/**
 * `chatMessage` on the wire, in the doc samples' property order. System events read
 * `messageType: "unknownFutureValue"` unless the request sent
 * `Prefer: include-unknown-enum-members` (`systemEventMessage` comes after
 * unknownFutureValue in the enum). Users are `teamworkUserIdentity`s with their tenant.
 */
import type { SimMessage, SimMessageFrom, SimMessageUser, SimReaction } from "../model.ts";

export interface MessageWireOptions {
  readonly includeUnknownEnumMembers: boolean;
  /** `@odata.type` first, as getAllMessages and its delta send each item. */
  readonly typed?: boolean;
}

export function messageJson(
  message: SimMessage,
  options: MessageWireOptions,
): Record<string, unknown> {
  const head: Record<string, unknown> = options.typed
    ? { "@odata.type": "#microsoft.graph.chatMessage" }
    : {};
  return {
    ...head,
    id: message.id,
    replyToId: null,
    etag: message.etag,
    messageType:
      message.messageType === "systemEventMessage" && !options.includeUnknownEnumMembers
        ? "unknownFutureValue"
        : message.messageType,
    createdDateTime: message.createdDateTime,
    lastModifiedDateTime: message.lastModifiedDateTime,
    lastEditedDateTime: message.lastEditedDateTime,
    deletedDateTime: message.deletedDateTime,
    subject: message.subject,
    summary: null,
    chatId: message.chatId,
    importance: message.importance,
    locale: message.locale,
    webUrl: message.webUrl,
    channelIdentity: null,
    onBehalfOf: null,
    policyViolation: message.policyViolation,
    eventDetail: message.eventDetail,
    from: fromJson(message.from),
    body: message.body,
    attachments: message.attachments,
    mentions: message.mentions.map((m) => ({
      id: m.id,
      mentionText: m.mentionText,
      mentioned: {
        application: m.mentioned.application,
        device: null,
        conversation: m.mentioned.conversation,
        tag: m.mentioned.tag,
        user: userJson(m.mentioned.user),
      },
    })),
    reactions: message.reactions.map(reactionJson),
    messageHistory: message.messageHistory.map((h) => ({
      modifiedDateTime: h.modifiedDateTime,
      actions: h.actions,
      reaction: h.reaction === null ? null : reactionJson(h.reaction),
    })),
  };
}

function fromJson(from: SimMessageFrom | null): Record<string, unknown> | null {
  if (from === null) return null;
  return {
    application: from.application,
    device: from.device,
    conversation: null,
    user: userJson(from.user),
  };
}

function userJson(user: SimMessageUser | null): Record<string, unknown> | null {
  if (user === null) return null;
  return {
    "@odata.type": "#microsoft.graph.teamworkUserIdentity",
    id: user.id,
    displayName: user.displayName,
    userIdentityType: user.userIdentityType,
    tenantId: user.tenantId,
  };
}

function reactionJson(reaction: SimReaction): Record<string, unknown> {
  return {
    reactionType: reaction.reactionType,
    displayName: reaction.displayName,
    reactionContentUrl: reaction.reactionContentUrl,
    createdDateTime: reaction.createdDateTime,
    user: { application: null, device: null, user: userJson(reaction.user) },
  };
}
