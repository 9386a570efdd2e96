/**
 * `POST /chats` as Graph validates it: oneOnOne needs exactly two members and no topic,
 * group at least two; members are aadUserConversationMembers bound with
 * `user@odata.bind`; at most one app in `installedApps`. A one-on-one that already exists
 * is returned as is. With `installedApps` the answer is 202 and an operation that
 * installs the app as simulated time passes.
 */
import { createChatOperation } from "../generate/operations.ts";
import { chatWebUrl, groupChatId, oneOnOneChatId } from "../generate/ids.ts";
import { tenantUserMember } from "../generate/members.ts";
import { NEVER, type SimChatState, type SimOperation, type SimUser } from "../model.ts";
import { badRequest } from "../sim-error.ts";
import type { ChatEntry, TenantStore } from "./store.ts";

export interface OperationTimings {
  /** Simulated ms after creation when the operation goes inProgress (default 5000). */
  readonly startAfterMs: number;
  /** Simulated ms after creation when it succeeds (default 35000; Graph asks to poll > 30 s apart). */
  readonly completeAfterMs: number;
}

export type CreateChatResult =
  | { readonly status: 201; readonly chat: SimChatState }
  | { readonly status: 202; readonly chat: SimChatState; readonly operation: SimOperation };

const AAD_MEMBER = "#microsoft.graph.aadUserConversationMember";
const MAX_GROUP_MEMBERS = 250;

export function createChat(
  store: TenantStore,
  body: unknown,
  timings: OperationTimings,
): CreateChatResult {
  if (!isObject(body)) throw badRequest("Empty Payload. JSON content expected.");
  const { chatType, topic, members, installedApps } = body;
  if (chatType !== "oneOnOne" && chatType !== "group") {
    throw badRequest(
      `Invalid value '${String(chatType)}' for property 'chatType'; expected 'oneOnOne' or 'group'.`,
    );
  }
  if (topic !== undefined && topic !== null && typeof topic !== "string")
    throw badRequest("Property 'topic' must be a string.");
  if (chatType === "oneOnOne" && typeof topic === "string")
    throw badRequest("Topic can only be set for group chats.");
  if (!Array.isArray(members) || members.length === 0)
    throw badRequest("Property 'members' is required.");
  const bound = members.map((member, index) => boundMember(store, member, index));
  const ids = new Set(bound.map((m) => m.user.id));
  if (ids.size !== bound.length)
    throw badRequest("The same user is listed more than once in 'members'.");
  if (chatType === "oneOnOne" && bound.length !== 2) {
    throw badRequest(`A oneOnOne chat needs exactly 2 members; ${bound.length} were given.`);
  }
  if (chatType === "group" && (bound.length < 2 || bound.length > MAX_GROUP_MEMBERS)) {
    throw badRequest(
      `A group chat needs between 2 and ${MAX_GROUP_MEMBERS} members; ${bound.length} were given.`,
    );
  }
  const appIds = installedAppIds(installedApps);

  const id =
    chatType === "oneOnOne"
      ? oneOnOneChatId((bound[0] as BoundMember).user.id, (bound[1] as BoundMember).user.id)
      : groupChatId(store.rng);
  const existing = store.findChat(id);
  if (existing && appIds.length === 0) return { status: 201, chat: existing.state };
  const entry =
    existing ?? newChat(store, id, chatType, typeof topic === "string" ? topic : null, bound);
  if (appIds.length === 0) return { status: 201, chat: entry.state };
  const { operation, plan } = createChatOperation(
    store.rng,
    store.tenantId,
    id,
    appIds,
    store.clock.nowMs(),
    timings,
  );
  entry.state.operations.push(operation);
  store.addPlan(plan);
  entry.version++;
  return { status: 202, chat: entry.state, operation };
}

interface BoundMember {
  readonly user: SimUser;
  readonly roles: string[];
}

function boundMember(store: TenantStore, member: unknown, index: number): BoundMember {
  if (!isObject(member)) throw badRequest(`members[${index}] must be an object.`);
  if (member["@odata.type"] !== AAD_MEMBER) {
    throw badRequest(`members[${index}]: '@odata.type' must be '${AAD_MEMBER}'.`);
  }
  const bind = member["user@odata.bind"];
  const match =
    typeof bind === "string" ? /(?:^|\/)users(?:\('([^']+)'\)|\/([^/?]+))$/.exec(bind) : null;
  const userRef = match?.[1] ?? match?.[2];
  if (userRef === undefined)
    throw badRequest(`members[${index}]: 'user@odata.bind' must be a users('{id}') URL.`);
  const user = store.findUser(decodeURIComponent(userRef));
  if (!user) throw badRequest(`members[${index}]: user '${userRef}' does not exist in the tenant.`);
  const roles = member.roles ?? [];
  if (!Array.isArray(roles) || !roles.every((r) => r === "owner" || r === "guest")) {
    throw badRequest(`members[${index}]: 'roles' must list 'owner' or 'guest' only.`);
  }
  return { user, roles: roles as string[] };
}

function installedAppIds(installedApps: unknown): string[] {
  if (installedApps === undefined || installedApps === null) return [];
  if (!Array.isArray(installedApps)) throw badRequest("Property 'installedApps' must be an array.");
  // Graph's documented limit: one app per create request.
  if (installedApps.length > 1)
    throw badRequest("Only one app installation is supported when creating a chat.");
  return installedApps.map((app, index) => {
    const bind = isObject(app) ? app["teamsApp@odata.bind"] : undefined;
    const match =
      typeof bind === "string" ? /\/teamsApps(?:\('([^']+)'\)|\/([^/?]+))$/.exec(bind) : null;
    const appId = match?.[1] ?? match?.[2];
    if (appId === undefined)
      throw badRequest(`installedApps[${index}]: 'teamsApp@odata.bind' must be a teamsApps URL.`);
    return appId;
  });
}

function newChat(
  store: TenantStore,
  id: string,
  chatType: "oneOnOne" | "group",
  topic: string | null,
  bound: readonly BoundMember[],
): ChatEntry {
  const ms = store.eventMs();
  const at = store.stamp(ms);
  const members = bound.map((m) =>
    tenantUserMember(store.memberContext, store.rng, id, m.user, m.roles, NEVER),
  );
  return store.insertChat({
    id,
    chatType,
    topic,
    createdDateTime: at,
    lastUpdatedDateTime: at,
    webUrl: chatWebUrl(id, store.tenantId),
    tenantId: store.tenantId,
    isHiddenForAllMembers: false,
    onlineMeetingInfo: null,
    migrationMode: null,
    originalCreatedDateTime: null,
    installedAppIds: [],
    viewpointProperty: store.rng.chance(0.5) ? "viewpoint" : "chatViewpoint",
    members,
    viewpoints: Object.fromEntries(
      bound.map((m) => [m.user.id, { isHidden: false, lastMessageReadDateTime: NEVER }] as const),
    ),
    lastMessagePreview: null,
    previewHistory: [],
    operations: [],
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
