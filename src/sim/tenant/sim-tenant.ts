/**
 * The tenant's public face: queries and mutations, each mutation a method (see
 * mutations.ts for their Graph-side effects) and also reachable as data via `apply`.
 */
import type { TeamsAsyncOperationStatus } from "@microsoft/microsoft-graph-types";
import type { ExtraUser } from "../generate/users.ts";
import type {
  SimChatState,
  SimMember,
  SimMessage,
  SimOperation,
  SimPreview,
  SimState,
  SimUser,
} from "../model.ts";
import { createChat, type CreateChatResult, type OperationTimings } from "./create-chat.ts";
import type { SimMutation } from "./mutation.ts";
import { simulateActivity, type ActivityInput, type ActivitySummary } from "./activity.ts";
import * as mm from "./message-mutations.ts";
import * as m from "./mutations.ts";
import { applyDuePlans, progressOperation } from "./operation-progress.ts";
import type { TenantStore } from "./store.ts";

export class SimTenant {
  constructor(
    /** Internal: the HTTP routes read it directly. */
    readonly store: TenantStore,
    private readonly timings: OperationTimings,
  ) {}

  get tenantId(): string {
    return this.store.tenantId;
  }

  /** Ids of the Teams apps generated chats may have installed. */
  get appIds(): readonly string[] {
    return this.store.appIds;
  }

  users(): SimUser[] {
    return structuredClone(this.store.users);
  }

  /** A copy of one chat's ground truth, or undefined when it does not exist (or was deleted). */
  chat(chatId: string): SimChatState | undefined {
    const entry = this.store.findChat(chatId);
    return entry ? structuredClone(entry.state) : undefined;
  }

  /** Ids of the chats in a user's listing, in the default listing order. */
  chatIdsOfUser(userIdOrUpn: string): string[] {
    const user = this.store.requireUser(userIdOrUpn);
    return this.store.chatsOfUser(user.id).map((entry) => entry.state.id);
  }

  state(): SimState {
    applyDuePlans(this.store);
    return this.store.snapshot();
  }

  /** One chat's messages, oldest first (deep copies; [] for a chat without messages or unknown). */
  messages(chatId: string): SimMessage[] {
    return this.store.findChat(chatId) ? this.store.messages.all(chatId) : [];
  }

  /** One message (a copy), or undefined. */
  message(chatId: string, messageId: string): SimMessage | undefined {
    if (!this.store.findChat(chatId)) return undefined;
    const message = this.store.messages.find(chatId, messageId);
    return message === undefined ? undefined : structuredClone(message);
  }

  /** How many messages a chat holds (without generating their content). */
  messageCount(chatId: string): number {
    return this.store.findChat(chatId) ? this.store.messages.count(chatId) : 0;
  }

  /**
   * Every live chat's messages, one chat at a time in creation order (each chat's
   * messages are generated as it is reached, so a large tenant streams in little memory).
   */
  *allMessages(): IterableIterator<{ chatId: string; messages: SimMessage[] }> {
    const ids = [...this.store.allChats()].map((entry) => entry.state.id);
    for (const chatId of ids) {
      if (this.store.findChat(chatId)) yield { chatId, messages: this.store.messages.all(chatId) };
    }
  }

  addUser(user: ExtraUser): SimUser {
    return structuredClone(this.store.addUser(user));
  }

  /** Same validation and effects as `POST /v1.0/chats`. */
  createChat(body: unknown): CreateChatResult {
    return createChat(this.store, body, this.timings);
  }

  renameChat(chatId: string, topic: string, by?: string): void {
    m.renameChat(this.store, chatId, topic, by);
  }

  addMember(chatId: string, input: m.AddMemberInput): SimMember {
    return structuredClone(m.addMember(this.store, chatId, input));
  }

  removeMember(
    chatId: string,
    ref: { membershipId?: string; userId?: string; by?: string },
  ): SimMember[] {
    return structuredClone(m.removeMember(this.store, chatId, ref));
  }

  leaveChat(chatId: string, userId: string): void {
    m.leaveChat(this.store, chatId, userId);
  }

  postMessage(chatId: string, input?: m.PostMessageInput): SimPreview {
    return structuredClone(m.postMessage(this.store, chatId, input));
  }

  /** Edits a message: new body, `lastEditedDateTime`; the preview does not move. */
  editMessage(chatId: string, messageId: string, input?: mm.EditMessageInput): SimMessage {
    return structuredClone(mm.editMessage(this.store, chatId, messageId, input));
  }

  /** Deletes a message: `deletedDateTime`, empty body, no sender; the preview does not move. */
  deleteMessage(chatId: string, messageId: string): SimMessage {
    return structuredClone(mm.deleteMessage(this.store, chatId, messageId));
  }

  reactToMessage(chatId: string, messageId: string, input: mm.ReactionInput): SimMessage {
    return structuredClone(mm.reactToMessage(this.store, chatId, messageId, input));
  }

  unreactToMessage(
    chatId: string,
    messageId: string,
    input: Pick<mm.ReactionInput, "userId" | "reactionType">,
  ): SimMessage {
    return structuredClone(mm.unreactToMessage(this.store, chatId, messageId, input));
  }

  /**
   * A stretch of tenant life (default one day): new messages in a share of the chats,
   * edits, reactions and deletions of old messages elsewhere; the clock moves by `ms`.
   */
  simulateActivity(input?: ActivityInput): ActivitySummary {
    return simulateActivity(this.store, this.store.messages.activityRng, input);
  }

  markRead(chatId: string, userId: string, at?: string): void {
    m.markRead(this.store, chatId, userId, at);
  }

  setHidden(chatId: string, userId: string, hidden: boolean): void {
    m.setHidden(this.store, chatId, userId, hidden);
  }

  setHiddenForAllMembers(chatId: string, hidden: boolean): void {
    m.setHiddenForAllMembers(this.store, chatId, hidden);
  }

  deleteChat(chatId: string): void {
    m.deleteChat(this.store, chatId);
  }

  progressOperation(
    chatId: string,
    operationId: string,
    status?: TeamsAsyncOperationStatus,
  ): SimOperation {
    return structuredClone(progressOperation(this.store, chatId, operationId, status));
  }

  /** Moves the simulated clock; operations whose plans fall due progress. */
  advanceTime(ms: number): void {
    this.store.clock.advance(ms);
    applyDuePlans(this.store);
  }

  /** Applies a mutation given as data; returns what the matching method returns. */
  apply(mutation: SimMutation): unknown {
    switch (mutation.type) {
      case "renameChat":
        return this.renameChat(mutation.chatId, mutation.topic, mutation.by);
      case "addMember":
        return this.addMember(mutation.chatId, mutation);
      case "removeMember":
        return this.removeMember(mutation.chatId, mutation);
      case "postMessage":
        return this.postMessage(mutation.chatId, mutation);
      case "markRead":
        return this.markRead(mutation.chatId, mutation.userId, mutation.at);
      case "setHidden":
        return this.setHidden(mutation.chatId, mutation.userId, mutation.hidden);
      case "setHiddenForAllMembers":
        return this.setHiddenForAllMembers(mutation.chatId, mutation.hidden);
      case "leaveChat":
        return this.leaveChat(mutation.chatId, mutation.userId);
      case "deleteChat":
        return this.deleteChat(mutation.chatId);
      case "progressOperation":
        return this.progressOperation(mutation.chatId, mutation.operationId, mutation.status);
      case "advanceTime":
        return this.advanceTime(mutation.ms);
      case "addUser":
        return this.addUser(mutation);
      case "editMessage":
        return this.editMessage(mutation.chatId, mutation.messageId, mutation);
      case "deleteMessage":
        return this.deleteMessage(mutation.chatId, mutation.messageId);
      case "reactToMessage":
        return this.reactToMessage(mutation.chatId, mutation.messageId, mutation);
      case "unreactToMessage":
        return this.unreactToMessage(mutation.chatId, mutation.messageId, mutation);
      case "simulateActivity":
        return this.simulateActivity(mutation);
    }
  }
}
