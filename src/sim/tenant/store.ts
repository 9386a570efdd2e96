/**
 * The tenant's live data and the indexes the HTTP routes need to stay fast at benchmark
 * sizes: users by id and UPN, chats by id, and each user's chats in listing order.
 * Mutations go through the helpers here so the indexes never drift from the data.
 */
import type { GeneratedTenant } from "../generate/tenant.ts";
import type { MemberContext } from "../generate/members.ts";
import type { OperationPlan } from "../generate/operations.ts";
import type { ExtraUser } from "../generate/users.ts";
import { extraUserToSimUser } from "../generate/users.ts";
import type { SimClock } from "../clock.ts";
import { formatGraphTime, randomFractionDigits } from "../graph-time.ts";
import type { MessageStore } from "../messages/message-store.ts";
import { compareKeys, formatKey, keyOf } from "../messages/time-key.ts";
import type { GraphTimestamp, SimChatState, SimState, SimUser, SimViewpoint } from "../model.ts";
import type { Prng } from "../random.ts";
import { SimError, notFound } from "../sim-error.ts";

/** A chat plus what the simulator tracks about it. */
export interface ChatEntry {
  /** Creation sequence: the default listing order and the paging cursor. */
  readonly ordinal: number;
  readonly state: SimChatState;
  /** Bumped on every change, so serialized fragments can be cached per version. */
  version: number;
}

export class TenantStore {
  readonly tenantId: string;
  readonly domain: string;
  readonly appIds: readonly string[];
  readonly botAppIds: readonly string[];
  readonly memberContext: MemberContext;
  readonly users: SimUser[];
  private readonly usersById = new Map<string, SimUser>();
  private readonly usersByUpn = new Map<string, SimUser>();
  private readonly chats = new Map<string, ChatEntry>();
  private readonly userChats = new Map<string, ChatEntry[]>();
  readonly deletedChats: { id: string; deletedDateTime: GraphTimestamp }[] = [];
  readonly plans: OperationPlan[];
  /** No plan step falls due before this (lets the per-request check return at once). */
  nextPlanDueMs = Number.NEGATIVE_INFINITY;
  private nextOrdinal = 0;
  private lastEventMs = Number.NEGATIVE_INFINITY;

  constructor(
    generated: GeneratedTenant,
    readonly clock: SimClock,
    /** Draws for live events (fraction digits, ids); seeded, so a replay is identical. */
    readonly rng: Prng,
    /** Every chat's messages: generated on demand, plus what changed live. */
    readonly messages: MessageStore,
  ) {
    this.tenantId = generated.tenantId;
    this.domain = generated.domain;
    this.appIds = generated.appIds;
    this.botAppIds = generated.botAppIds;
    this.memberContext = generated.memberContext;
    this.users = generated.users;
    for (const user of this.users) this.indexUser(user);
    for (const chat of generated.chats) this.insertChat(chat);
    this.plans = generated.plans;
  }

  addPlan(plan: OperationPlan): void {
    this.plans.push(plan);
    this.nextPlanDueMs = Math.min(this.nextPlanDueMs, plan.steps[0]?.atMs ?? Infinity);
  }

  addUser(extra: ExtraUser): SimUser {
    const existing = this.usersById.get(extra.id);
    if (existing) return existing;
    const user = extraUserToSimUser(extra, this.domain);
    if (this.usersByUpn.has(user.userPrincipalName.toLowerCase())) {
      throw new SimError(
        400,
        "BadRequest",
        `userPrincipalName ${user.userPrincipalName} is taken.`,
      );
    }
    this.users.push(user);
    this.indexUser(user);
    return user;
  }

  /** By id or user principal name (case-insensitive), as Graph resolves `/users/{id|upn}`. */
  findUser(idOrUpn: string): SimUser | undefined {
    return this.usersById.get(idOrUpn) ?? this.usersByUpn.get(idOrUpn.toLowerCase());
  }

  requireUser(idOrUpn: string): SimUser {
    const user = this.findUser(idOrUpn);
    if (!user) throw notFound(`User '${idOrUpn}'`);
    return user;
  }

  findChat(chatId: string): ChatEntry | undefined {
    return this.chats.get(chatId);
  }

  requireChat(chatId: string): ChatEntry {
    const entry = this.chats.get(chatId);
    if (!entry) throw notFound(`Chat '${chatId}'`);
    return entry;
  }

  allChats(): IterableIterator<ChatEntry> {
    return this.chats.values();
  }

  /** The chats in a user's listing, in creation order. Do not mutate. */
  chatsOfUser(userId: string): readonly ChatEntry[] {
    return this.userChats.get(userId) ?? [];
  }

  insertChat(state: SimChatState): ChatEntry {
    const entry: ChatEntry = { ordinal: this.nextOrdinal++, state, version: 0 };
    this.chats.set(state.id, entry);
    for (const userId of Object.keys(state.viewpoints)) this.listFor(userId).push(entry);
    return entry;
  }

  removeChat(entry: ChatEntry, deletedDateTime: GraphTimestamp): void {
    for (const userId of Object.keys(entry.state.viewpoints)) this.unlist(userId, entry);
    this.chats.delete(entry.state.id);
    this.deletedChats.push({ id: entry.state.id, deletedDateTime });
  }

  /** Puts the chat in the user's listing with this viewpoint (no-op if already there). */
  attachViewpoint(entry: ChatEntry, userId: string, viewpoint: SimViewpoint): void {
    if (userId in entry.state.viewpoints) return;
    entry.state.viewpoints[userId] = viewpoint;
    const list = this.listFor(userId);
    let i = list.length;
    while (i > 0 && (list[i - 1] as ChatEntry).ordinal > entry.ordinal) i--;
    list.splice(i, 0, entry);
  }

  detachViewpoint(entry: ChatEntry, userId: string): void {
    if (!(userId in entry.state.viewpoints)) return;
    delete entry.state.viewpoints[userId];
    this.unlist(userId, entry);
  }

  isTenantUser(userId: string): boolean {
    return this.usersById.has(userId);
  }

  /**
   * The instant of a live event: the simulated clock, but strictly after the previous
   * event, so two mutations at one clock reading still get distinct, ordered times
   * (message ids are epoch milliseconds and must not collide).
   */
  eventMs(): number {
    this.lastEventMs = Math.max(this.clock.nowMs(), this.lastEventMs + 1);
    return this.lastEventMs;
  }

  /** Formats an event time with Graph's varying precision. */
  stamp(ms: number): GraphTimestamp {
    return formatGraphTime(ms, randomFractionDigits(this.rng), this.rng.digits(4));
  }

  /**
   * The creation time of a live message: drawn like `stamp` (same draws), but never
   * sent earlier than an earlier live message's time (a value shown with fewer digits
   * would read earlier than it was; such a value gets all seven digits instead).
   */
  messageStamp(ms: number): GraphTimestamp {
    const digits = randomFractionDigits(this.rng);
    const sub = this.rng.digits(4);
    let key = keyOf(ms, digits, sub);
    if (compareKeys(key, this.messages.lastLiveKey) <= 0) key = keyOf(ms, 7, sub);
    this.messages.lastLiveKey = key;
    return formatKey(key);
  }

  snapshot(): SimState {
    return structuredClone({
      tenantId: this.tenantId,
      now: this.clock.now(),
      users: this.users,
      chats: [...this.chats.values()].map((entry) => entry.state),
      deletedChats: this.deletedChats,
    });
  }

  private indexUser(user: SimUser): void {
    this.usersById.set(user.id, user);
    this.usersByUpn.set(user.userPrincipalName.toLowerCase(), user);
  }

  private listFor(userId: string): ChatEntry[] {
    let list = this.userChats.get(userId);
    if (!list) {
      list = [];
      this.userChats.set(userId, list);
    }
    return list;
  }

  private unlist(userId: string, entry: ChatEntry): void {
    const list = this.userChats.get(userId);
    const index = list?.indexOf(entry) ?? -1;
    if (list && index >= 0) list.splice(index, 1);
  }
}
