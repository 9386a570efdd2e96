/**
 * The simulator's ground truth, as plain data. `Simulator.state()` returns a deep copy of
 * this shape; integration tests compare the warehouse against it. Field names follow
 * Graph's wire names so a test can compare without a mapping table; timestamps are the
 * exact strings Graph would send (0 to 7 fractional digits, `0001-01-01T00:00:00Z` for
 * "never").
 */
import type {
  ChatMessageType,
  ChatType,
  TeamsAsyncOperationStatus,
  TeamworkApplicationIdentityType,
  TeamworkUserIdentityType,
} from "@microsoft/microsoft-graph-types";

/** An ISO-8601 UTC timestamp exactly as sent on the wire (`2021-05-27T21:23:41.9085453Z`). */
export type GraphTimestamp = string;

/** Graph's "never" / "from the beginning" sentinel (read time, visible history start). */
export const NEVER: GraphTimestamp = "0001-01-01T00:00:00Z";

/** A JSON value, for the polymorphic parts Graph defines by `@odata.type`. */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** A user of the simulated tenant: what `GET /v1.0/users` lists. */
export interface SimUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
  /** Null for some accounts (no mailbox), as in real tenants. */
  mail: string | null;
  givenName: string | null;
  surname: string | null;
  jobTitle: string | null;
  /** B2B guests live in the tenant's directory too and have chats of their own. */
  userType: "Member" | "Guest";
}

/** `conversationMember` subtypes, named as `@odata.type` without `#microsoft.graph.`. */
export type SimMemberType = SimMember["type"];

interface SimMemberBase {
  /** Opaque membership id; may repeat across chats (never across one chat). */
  id: string;
  displayName: string | null;
  /** `owner`, `guest`, or empty. */
  roles: string[];
  visibleHistoryStartDateTime: GraphTimestamp;
}

export interface SimAadUserMember extends SimMemberBase {
  type: "aadUserConversationMember";
  userId: string;
  email: string | null;
  tenantId: string;
}
export interface SimAnonymousGuestMember extends SimMemberBase {
  type: "anonymousGuestConversationMember";
  anonymousGuestId: string;
}
export interface SimMicrosoftAccountUserMember extends SimMemberBase {
  type: "microsoftAccountUserConversationMember";
  userId: string;
}
export interface SimSkypeForBusinessUserMember extends SimMemberBase {
  type: "skypeForBusinessUserConversationMember";
  userId: string;
  tenantId: string;
}
export interface SimSkypeUserMember extends SimMemberBase {
  type: "skypeUserConversationMember";
  skypeId: string;
}
export interface SimPhoneUserMember extends SimMemberBase {
  type: "phoneUserConversationMember";
  phoneNumber: string;
}
export interface SimAcsUserMember extends SimMemberBase {
  type: "azureCommunicationServicesUserConversationMember";
  azureCommunicationServicesId: string;
}

export type SimMember =
  | SimAadUserMember
  | SimAnonymousGuestMember
  | SimMicrosoftAccountUserMember
  | SimSkypeForBusinessUserMember
  | SimSkypeUserMember
  | SimPhoneUserMember
  | SimAcsUserMember;

export interface SimIdentity {
  id: string;
  displayName: string | null;
}
export interface SimUserIdentity extends SimIdentity {
  userIdentityType: TeamworkUserIdentityType;
}
export interface SimApplicationIdentity extends SimIdentity {
  applicationIdentityType: TeamworkApplicationIdentityType;
}

/** `chatMessageFromIdentitySet`: exactly one of the three is set. */
export interface SimFrom {
  application: SimApplicationIdentity | null;
  device: SimIdentity | null;
  user: SimUserIdentity | null;
}

/** `eventDetail`, kept as the wire object: its subtypes are many and open-ended. */
export type SimEventDetail = { "@odata.type": string } & JsonObject;

/** `chatMessageInfo` (the `lastMessagePreview`). */
export interface SimPreview {
  id: string;
  createdDateTime: GraphTimestamp;
  isDeleted: boolean;
  messageType: ChatMessageType;
  body: { contentType: "text" | "html"; content: string };
  /** Null for system event messages. */
  from: SimFrom | null;
  eventDetail: SimEventDetail | null;
}

export interface SimOnlineMeetingInfo {
  calendarEventId: string;
  joinWebUrl: string;
  organizer: SimUserIdentity;
}

/** The per-user part of a chat (`viewpoint` / `chatViewpoint` on the wire). */
export interface SimViewpoint {
  isHidden: boolean;
  lastMessageReadDateTime: GraphTimestamp;
}

/** `teamsAsyncOperation` (beta). `operationType` may be a value after unknownFutureValue. */
export interface SimOperation {
  id: string;
  operationType: SimOperationType;
  status: TeamsAsyncOperationStatus;
  createdDateTime: GraphTimestamp;
  lastActionDateTime: GraphTimestamp;
  attemptsCount: number;
  targetResourceId: string | null;
  targetResourceLocation: string | null;
  /** Undocumented string the doc samples carry (`{"appIds":[...]}`). */
  values: string | null;
  error: { code: string; message: string } | null;
}

/** Beta's teamsAsyncOperationType, in enum order (evolvable members after unknownFutureValue). */
export const OPERATION_TYPES = [
  "invalid",
  "cloneTeam",
  "archiveTeam",
  "unarchiveTeam",
  "createTeam",
  "unknownFutureValue",
  "teamifyGroup",
  "createChannel",
  "archiveChannel",
  "unarchiveChannel",
  "createChat",
] as const;
export type SimOperationType = (typeof OPERATION_TYPES)[number];

/** The chat's own (per-chat, not per-user) fields, as `GET /chats/{id}` sends them. */
export interface SimChat {
  id: string;
  chatType: ChatType;
  topic: string | null;
  createdDateTime: GraphTimestamp;
  /** Moves on rename and membership change only (never on a new message). Exact value. */
  lastUpdatedDateTime: GraphTimestamp;
  webUrl: string;
  tenantId: string;
  isHiddenForAllMembers: boolean;
  onlineMeetingInfo: SimOnlineMeetingInfo | null;
  migrationMode: "inProgress" | "completed" | null;
  originalCreatedDateTime: GraphTimestamp | null;
  /** Teams app ids installed in the chat (what `$filter=installedApps/any(...)` matches). */
  installedAppIds: string[];
  /** Which spelling this chat's responses use for the per-user part. */
  viewpointProperty: "viewpoint" | "chatViewpoint";
}

/** Everything the simulator knows about one chat. */
export interface SimChatState extends SimChat {
  /** The complete member list (what paged `GET /chats/{id}/members` returns). */
  members: SimMember[];
  /** Per tenant user who is a member: their viewpoint. The chat is in exactly these users' listings. */
  viewpoints: Record<string, SimViewpoint>;
  /** The current preview (null when the chat has no message). */
  lastMessagePreview: SimPreview | null;
  /** Every preview ever current, oldest first; the last one equals `lastMessagePreview`. */
  previewHistory: SimPreview[];
  operations: SimOperation[];
}

/** The whole simulated tenant at one simulated instant. */
export interface SimState {
  tenantId: string;
  /** The simulated clock when the snapshot was taken. */
  now: GraphTimestamp;
  users: SimUser[];
  /** Live chats, in creation order. */
  chats: SimChatState[];
  /** Chats deleted through the mutation API (gone from every listing, GET -> 404). */
  deletedChats: { id: string; deletedDateTime: GraphTimestamp }[];
}

/** Ids of the chats a user sees in `GET /users/{id}/chats`, according to the ground truth. */
export function chatIdsOfUser(state: SimState, userId: string): string[] {
  return state.chats.filter((chat) => userId in chat.viewpoints).map((chat) => chat.id);
}

/** `chatMessage.messageType` as the simulator keeps it (the wire may say `unknownFutureValue`). */
export type SimMessageType = "message" | "chatEvent" | "typing" | "systemEventMessage";

/** A user in a message (`from.user`, reactions): Graph adds the user's home tenant. */
export interface SimMessageUser extends SimUserIdentity {
  tenantId: string | null;
}

/** `chatMessageFromIdentitySet`; null `from` for system events and most deleted messages. */
export interface SimMessageFrom {
  application: SimApplicationIdentity | null;
  device: SimIdentity | null;
  user: SimMessageUser | null;
}

/** `chatMessageMention`: `id` matches `<at id="N">` in the html body. */
export interface SimMention {
  id: number;
  mentionText: string;
  mentioned: {
    application: SimApplicationIdentity | null;
    user: SimMessageUser | null;
    conversation: {
      id: string;
      displayName: string | null;
      conversationIdentityType: string;
    } | null;
    tag: { id: string; displayName: string } | null;
  };
}

/** `chatMessageReaction`: a Unicode emoji, a legacy name (`like`, ...) or `custom`. */
export interface SimReaction {
  reactionType: string;
  displayName: string | null;
  reactionContentUrl: string | null;
  createdDateTime: GraphTimestamp;
  user: SimMessageUser;
}

/** `chatMessageHistoryItem`: reactions added and removed, oldest first. */
export interface SimMessageHistoryItem {
  modifiedDateTime: GraphTimestamp;
  actions: "reactionAdded" | "reactionRemoved" | "actionUndefined";
  reaction: SimReaction | null;
}

/** `chatMessageAttachment`; `content` is a JSON string for cards and references. */
export interface SimAttachment {
  id: string;
  contentType: string;
  contentUrl: string | null;
  content: string | null;
  name: string | null;
  thumbnailUrl: string | null;
  teamsAppId: string | null;
}

/**
 * One chat message, as `GET /chats/{id}/messages/{id}` sends it (with the true
 * `messageType`). Ids are creation times in epoch ms, unique within the chat only.
 */
export interface SimMessage {
  id: string;
  chatId: string;
  etag: string;
  messageType: SimMessageType;
  createdDateTime: GraphTimestamp;
  /** Creation, or the latest edit, deletion or reaction change. */
  lastModifiedDateTime: GraphTimestamp;
  lastEditedDateTime: GraphTimestamp | null;
  deletedDateTime: GraphTimestamp | null;
  subject: string | null;
  importance: "normal" | "high" | "urgent";
  locale: string;
  webUrl: string | null;
  policyViolation: JsonObject | null;
  eventDetail: SimEventDetail | null;
  from: SimMessageFrom | null;
  body: { contentType: "text" | "html"; content: string };
  attachments: SimAttachment[];
  mentions: SimMention[];
  reactions: SimReaction[];
  messageHistory: SimMessageHistoryItem[];
}
