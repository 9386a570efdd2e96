/**
 * What can happen in a tenant while a sync runs, with Graph's side effects:
 * - rename and membership changes move `lastUpdatedDateTime` and post a system event;
 * - a new message moves only the preview (never `lastUpdatedDateTime`) and joins the
 *   chat's messages (each of these changes posts one: the preview is the newest message);
 * - read / hide change one user's viewpoint; leaving removes the chat from that user's
 *   listing; deleting removes it from every listing.
 */
import { externalMember, tenantUserMember, type ExternalMemberKind } from "../generate/members.ts";
import {
  chatRenamedDetail,
  memberIdentity,
  membersAddedDetail,
  membersDeletedDetail,
  systemPreview,
  userMessagePreview,
} from "../generate/previews.ts";
import { messageId } from "../generate/ids.ts";
import { previewMessage } from "../generate/message-content.ts";
import { NEVER, type SimMember, type SimPreview, type SimUserIdentity } from "../model.ts";
import { SimError, badRequest, notFound } from "../sim-error.ts";
import type { ChatEntry, TenantStore } from "./store.ts";

export interface AddMemberInput {
  /** A tenant user (id or UPN) to add as an aadUserConversationMember... */
  readonly userId?: string;
  /** ...or someone from outside the tenant, of this kind. */
  readonly external?: ExternalMemberKind;
  readonly roles?: string[];
  readonly visibleHistoryStartDateTime?: string;
  /** Tenant user who adds them (default: the chat's first tenant member). */
  readonly by?: string;
}

export interface PostMessageInput {
  /** Sender, a user id or UPN (default: the chat's first tenant member). */
  readonly from?: string;
  /** Post as a bot instead of a user. */
  readonly application?: { readonly id: string; readonly displayName: string };
  readonly content?: string;
  readonly contentType?: "text" | "html";
  /** Post a message that is already deleted (`isDeleted: true`, empty body). */
  readonly deleted?: boolean;
}

export function renameChat(
  store: TenantStore,
  chatId: string,
  topic: string,
  by?: string,
): ChatEntry {
  const entry = store.requireChat(chatId);
  if (entry.state.chatType === "oneOnOne")
    throw badRequest("A oneOnOne chat has no topic to rename.");
  const ms = store.eventMs();
  entry.state.topic = topic;
  entry.state.lastUpdatedDateTime = store.stamp(ms);
  post(
    store,
    entry,
    systemPreview(
      ms,
      store.messageStamp(ms),
      chatRenamedDetail(chatId, topic, initiator(store, entry, by)),
    ),
  );
  return entry;
}

export function addMember(store: TenantStore, chatId: string, input: AddMemberInput): SimMember {
  const entry = store.requireChat(chatId);
  if (entry.state.chatType === "oneOnOne")
    throw badRequest("Members cannot be added to a oneOnOne chat.");
  const ms = store.eventMs();
  const visibleFrom = input.visibleHistoryStartDateTime ?? NEVER;
  let member: SimMember;
  if (input.userId !== undefined) {
    const user = store.requireUser(input.userId);
    if (userMemberships(entry, user.id).length > 0) {
      throw new SimError(409, "Conflict", `User '${user.id}' is already a member of the chat.`);
    }
    member = tenantUserMember(
      store.memberContext,
      store.rng,
      chatId,
      user,
      input.roles ?? [],
      visibleFrom,
    );
    store.attachViewpoint(entry, user.id, { isHidden: false, lastMessageReadDateTime: NEVER });
  } else if (input.external !== undefined) {
    member = externalMember(store.memberContext, store.rng, chatId, input.external, visibleFrom);
    if (input.roles) member.roles = [...input.roles];
  } else {
    throw badRequest("addMember needs a userId or an external member kind.");
  }
  entry.state.members.push(member);
  entry.state.lastUpdatedDateTime = store.stamp(ms);
  const detail = membersAddedDetail(
    [memberIdentity(member)],
    initiator(store, entry, input.by),
    visibleFrom,
  );
  post(store, entry, systemPreview(ms, store.messageStamp(ms), detail));
  return member;
}

/** Removes one membership (by id) or every membership of a user (by userId). */
export function removeMember(
  store: TenantStore,
  chatId: string,
  ref: { readonly membershipId?: string; readonly userId?: string; readonly by?: string },
): SimMember[] {
  const entry = store.requireChat(chatId);
  const userId =
    ref.userId === undefined ? undefined : (store.findUser(ref.userId)?.id ?? ref.userId);
  const removed = entry.state.members.filter((m) =>
    ref.membershipId !== undefined
      ? m.id === ref.membershipId
      : userId !== undefined && memberUserId(m) === userId,
  );
  if (removed.length === 0)
    throw notFound(`Member '${ref.membershipId ?? ref.userId ?? ""}' of chat '${chatId}'`);
  const by = initiator(store, entry, ref.by);
  const ms = store.eventMs();
  entry.state.members = entry.state.members.filter((m) => !removed.includes(m));
  for (const member of removed) {
    const id = memberUserId(member);
    if (id !== undefined && store.isTenantUser(id) && userMemberships(entry, id).length === 0) {
      store.detachViewpoint(entry, id);
    }
  }
  entry.state.lastUpdatedDateTime = store.stamp(ms);
  const identities = removed.filter(
    (m, i) => i === removed.findIndex((o) => memberUserId(o) === memberUserId(m)),
  );
  post(
    store,
    entry,
    systemPreview(
      ms,
      store.messageStamp(ms),
      membersDeletedDetail(
        identities.map((m) => memberIdentity(m)),
        by,
      ),
    ),
  );
  return removed;
}

/** The user leaves: their memberships go, and the chat leaves their listing. */
export function leaveChat(store: TenantStore, chatId: string, userIdOrUpn: string): SimMember[] {
  const user = store.requireUser(userIdOrUpn);
  return removeMember(store, chatId, { userId: user.id, by: user.id });
}

export function postMessage(
  store: TenantStore,
  chatId: string,
  input: PostMessageInput = {},
): SimPreview {
  const entry = store.requireChat(chatId);
  const ms = store.eventMs();
  const at = store.messageStamp(ms);
  const body = {
    contentType: input.contentType ?? "text",
    content: input.content ?? "New message",
  } as const;
  let preview: SimPreview;
  if (input.application) {
    preview = {
      id: messageId(ms),
      createdDateTime: at,
      isDeleted: false,
      messageType: "message",
      body,
      from: {
        application: { ...input.application, applicationIdentityType: "bot" },
        device: null,
        user: null,
      },
      eventDetail: null,
    };
  } else {
    preview = userMessagePreview(
      ms,
      at,
      sender(store, entry, input.from),
      body,
      input.deleted ?? false,
    );
  }
  post(store, entry, preview);
  return preview;
}

export function markRead(
  store: TenantStore,
  chatId: string,
  userIdOrUpn: string,
  at?: string,
): void {
  const { entry, userId } = viewpointOf(store, chatId, userIdOrUpn);
  const viewpoint = entry.state.viewpoints[userId];
  if (viewpoint) viewpoint.lastMessageReadDateTime = at ?? store.stamp(store.eventMs());
  entry.version++;
}

export function setHidden(
  store: TenantStore,
  chatId: string,
  userIdOrUpn: string,
  hidden: boolean,
): void {
  const { entry, userId } = viewpointOf(store, chatId, userIdOrUpn);
  const viewpoint = entry.state.viewpoints[userId];
  if (viewpoint) viewpoint.isHidden = hidden;
  entry.version++;
}

export function setHiddenForAllMembers(store: TenantStore, chatId: string, hidden: boolean): void {
  const entry = store.requireChat(chatId);
  entry.state.isHiddenForAllMembers = hidden;
  entry.version++;
}

export function deleteChat(store: TenantStore, chatId: string): void {
  store.removeChat(store.requireChat(chatId), store.stamp(store.eventMs()));
}

/** A new newest message: the chat's history gains it and the preview shows it. */
function post(store: TenantStore, entry: ChatEntry, preview: SimPreview): void {
  entry.state.lastMessagePreview = preview;
  entry.state.previewHistory.push(preview);
  entry.version++;
  store.messages.post(entry.state.id, previewMessage(preview, entry.state, store.tenantId));
}

function memberUserId(member: SimMember): string | undefined {
  return "userId" in member ? member.userId : undefined;
}

function userMemberships(entry: ChatEntry, userId: string): SimMember[] {
  return entry.state.members.filter(
    (m) => m.type === "aadUserConversationMember" && m.userId === userId,
  );
}

function viewpointOf(store: TenantStore, chatId: string, userIdOrUpn: string) {
  const entry = store.requireChat(chatId);
  const userId = store.requireUser(userIdOrUpn).id;
  if (!(userId in entry.state.viewpoints))
    throw notFound(`User '${userIdOrUpn}' in chat '${chatId}'`);
  return { entry, userId };
}

function initiator(store: TenantStore, entry: ChatEntry, by: string | undefined): SimUserIdentity {
  if (by !== undefined) {
    const user = store.requireUser(by);
    return { id: user.id, displayName: user.displayName, userIdentityType: "aadUser" };
  }
  const first = entry.state.members.find((m) => m.type === "aadUserConversationMember");
  if (first) return memberIdentity(first);
  return { id: store.tenantId, displayName: null, userIdentityType: "aadUser" };
}

function sender(store: TenantStore, entry: ChatEntry, from: string | undefined): SimUserIdentity {
  if (from === undefined) return initiator(store, entry, undefined);
  const user = store.findUser(from);
  if (user) return { id: user.id, displayName: user.displayName, userIdentityType: "aadUser" };
  const member = entry.state.members.find((m) => memberIdentity(m).id === from);
  if (!member) throw notFound(`Sender '${from}'`);
  return memberIdentity(member);
}
