/**
 * The tenant's public face: queries and mutations, each mutation a method (see
 * mutations.ts for their Graph-side effects) and also reachable as data via `apply`.
 */
import type { TeamsAsyncOperationStatus } from "@microsoft/microsoft-graph-types";
import type { ExtraUser } from "../generate/users.ts";
import type {
  SimChatState,
  SimMember,
  SimOperation,
  SimPreview,
  SimState,
  SimUser,
} from "../model.ts";
import { createChat, type CreateChatResult, type OperationTimings } from "./create-chat.ts";
import type { SimMutation } from "./mutation.ts";
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
    }
  }
}
