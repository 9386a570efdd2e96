/**
 * `lastMessagePreview` builders: user text/html messages, bot posts (`from.application`),
 * deleted messages, and system event messages (`from: null`, an `eventDetail` subtype).
 * The mutation API uses the same builders, so generated and live previews look alike.
 */
import type {
  JsonObject,
  SimEventDetail,
  SimMember,
  SimPreview,
  SimUserIdentity,
} from "../model.ts";
import type { Prng } from "../random.ts";
import { randomGraphTime } from "../graph-time.ts";
import { messageId } from "./ids.ts";
import { BOTS, HTML_MESSAGES, MESSAGE_TEXTS } from "./names.ts";

export type SystemEventKind =
  | "membersAdded"
  | "membersDeleted"
  | "chatRenamed"
  | "callEnded"
  | "callStarted"
  | "teamsAppInstalled"
  | "messagePinned";

export const SYSTEM_EVENT_KINDS: readonly SystemEventKind[] = [
  "membersAdded",
  "membersDeleted",
  "chatRenamed",
  "callEnded",
  "teamsAppInstalled",
  "callStarted",
  "messagePinned",
];

/** The identity Graph puts in `from.user` and event details for a member. */
export function memberIdentity(member: SimMember, withName = true): SimUserIdentity {
  const displayName = withName ? member.displayName : null;
  switch (member.type) {
    case "aadUserConversationMember":
      return { id: member.userId, displayName, userIdentityType: "aadUser" };
    case "anonymousGuestConversationMember":
      return { id: member.anonymousGuestId, displayName, userIdentityType: "anonymousGuest" };
    case "microsoftAccountUserConversationMember":
      return { id: member.userId, displayName, userIdentityType: "personalMicrosoftAccountUser" };
    case "skypeForBusinessUserConversationMember":
      return { id: member.userId, displayName, userIdentityType: "onPremiseAadUser" };
    case "skypeUserConversationMember":
      return { id: member.skypeId, displayName, userIdentityType: "skypeUser" };
    case "phoneUserConversationMember":
      return { id: member.phoneNumber, displayName, userIdentityType: "phoneUser" };
    case "azureCommunicationServicesUserConversationMember":
      return {
        id: member.azureCommunicationServicesId,
        displayName,
        userIdentityType: "unknownFutureValue",
      };
  }
}

function identityJson(identity: SimUserIdentity): JsonObject {
  return {
    id: identity.id,
    displayName: identity.displayName,
    userIdentityType: identity.userIdentityType,
  };
}

/** Event details name people without display names, as in Graph's samples. */
export function initiatorJson(initiator: SimUserIdentity): JsonObject {
  return {
    application: null,
    device: null,
    user: identityJson({ ...initiator, displayName: null }),
  };
}

export function userMessagePreview(
  createdMs: number,
  createdDateTime: string,
  sender: SimUserIdentity,
  body: SimPreview["body"],
  isDeleted = false,
): SimPreview {
  return {
    id: messageId(createdMs),
    createdDateTime,
    isDeleted,
    messageType: "message",
    body: isDeleted ? { contentType: "html", content: "" } : body,
    from: { application: null, device: null, user: sender },
    eventDetail: null,
  };
}

export function randomUserBody(rng: Prng): SimPreview["body"] {
  return rng.chance(0.75)
    ? { contentType: "text", content: rng.pick(MESSAGE_TEXTS) }
    : { contentType: "html", content: rng.pick(HTML_MESSAGES) };
}

export function botPreview(
  rng: Prng,
  createdMs: number,
  createdDateTime: string,
  botAppIds: readonly string[],
): SimPreview {
  const index = rng.int(0, BOTS.length - 1);
  const bot = BOTS[index] as (typeof BOTS)[number];
  return {
    id: messageId(createdMs),
    createdDateTime,
    isDeleted: false,
    messageType: "message",
    body: rng.chance(0.5)
      ? { contentType: "html", content: rng.pick(HTML_MESSAGES) }
      : { contentType: "text", content: `${bot.displayName}: ${rng.pick(MESSAGE_TEXTS)}` },
    from: {
      application: {
        id: botAppIds[index % botAppIds.length] as string,
        displayName: bot.displayName,
        applicationIdentityType: bot.applicationIdentityType,
      },
      device: null,
      user: null,
    },
    eventDetail: null,
  };
}

export function systemPreview(
  createdMs: number,
  createdDateTime: string,
  eventDetail: SimEventDetail,
): SimPreview {
  return {
    id: messageId(createdMs),
    createdDateTime,
    isDeleted: false,
    messageType: "systemEventMessage",
    body: { contentType: "html", content: "<systemEventMessage/>" },
    from: null,
    eventDetail,
  };
}

export function membersAddedDetail(
  members: readonly SimUserIdentity[],
  initiator: SimUserIdentity,
  visibleHistoryStartDateTime: string,
): SimEventDetail {
  return {
    "@odata.type": "#microsoft.graph.membersAddedEventMessageDetail",
    visibleHistoryStartDateTime,
    members: members.map((m) => identityJson({ ...m, displayName: null })),
    initiator: initiatorJson(initiator),
  };
}

export function membersDeletedDetail(
  members: readonly SimUserIdentity[],
  initiator: SimUserIdentity,
): SimEventDetail {
  return {
    "@odata.type": "#microsoft.graph.membersDeletedEventMessageDetail",
    members: members.map((m) => identityJson({ ...m, displayName: null })),
    initiator: initiatorJson(initiator),
  };
}

export function chatRenamedDetail(
  chatId: string,
  chatDisplayName: string,
  initiator: SimUserIdentity,
): SimEventDetail {
  return {
    "@odata.type": "#microsoft.graph.chatRenamedEventMessageDetail",
    chatId,
    chatDisplayName,
    initiator: initiatorJson(initiator),
  };
}

/**
 * A random system event of `kind`, about the given members. Times and ids come from
 * `rng`; `appIds` names installable apps for `teamsAppInstalled`.
 */
export function randomEventDetail(
  rng: Prng,
  kind: SystemEventKind,
  chat: { id: string; topic: string | null; chatType: string },
  members: readonly SimMember[],
  appIds: readonly string[],
  nowMs: number,
): SimEventDetail {
  const people = members.map((m) => memberIdentity(m));
  const initiator = rng.pick(people);
  const some = people.filter(() => rng.chance(0.3)).slice(0, 3);
  const subjects = some.length > 0 ? some : [rng.pick(people)];
  switch (kind) {
    case "membersAdded":
      return membersAddedDetail(
        subjects,
        initiator,
        rng.chance(0.7) ? "0001-01-01T00:00:00Z" : randomGraphTime(rng, nowMs),
      );
    case "membersDeleted":
      return membersDeletedDetail(subjects, initiator);
    case "chatRenamed":
      return chatRenamedDetail(chat.id, chat.topic ?? "", initiator);
    case "callEnded":
      return {
        "@odata.type": "#microsoft.graph.callEndedEventMessageDetail",
        callId: rng.guid(),
        callDuration: `PT${rng.int(0, 2)}H${rng.int(0, 59)}M${rng.int(1, 59)}S`,
        callEventType: chat.chatType === "meeting" ? "meeting" : rng.pick(["call", "screenShare"]),
        callParticipants: subjects.map((p) => ({ participant: initiatorJson(p) })),
        initiator: initiatorJson(initiator),
      };
    case "callStarted":
      return {
        "@odata.type": "#microsoft.graph.callStartedEventMessageDetail",
        callId: rng.guid(),
        callEventType: chat.chatType === "meeting" ? "meeting" : "call",
        initiator: initiatorJson(initiator),
      };
    case "teamsAppInstalled": {
      const index = rng.int(0, appIds.length - 1);
      return {
        "@odata.type": "#microsoft.graph.teamsAppInstalledEventMessageDetail",
        teamsAppId: appIds[index] ?? null,
        teamsAppDisplayName: `App ${index + 1}`,
        initiator: initiatorJson(initiator),
      };
    }
    case "messagePinned":
      return {
        "@odata.type": "#microsoft.graph.messagePinnedEventMessageDetail",
        eventDateTime: randomGraphTime(rng, nowMs),
        initiator: initiatorJson(initiator),
      };
  }
}
