/**
 * Changes to existing messages, with Graph's side effects: each moves the message's
 * `lastModifiedDateTime` (and `etag`), none moves the chat's preview or its
 * `lastUpdatedDateTime`. Reactions leave `messageHistory` entries; an edit sets
 * `lastEditedDateTime`; a deletion sets `deletedDateTime` and empties the message.
 */
import { hostedContentUrl } from "../generate/message-attachments.ts";
import { memberIdentity } from "../generate/previews.ts";
import { messageUser } from "../generate/message-identity.ts";
import type { SimMessage, SimMessageUser, SimReaction } from "../model.ts";
import { formatKey, keyOf } from "../messages/time-key.ts";
import { SimError, badRequest, notFound } from "../sim-error.ts";
import type { ChatEntry, TenantStore } from "./store.ts";

export interface EditMessageInput {
  readonly content?: string;
  readonly contentType?: "text" | "html";
}

export interface ReactionInput {
  /** Who reacts: a tenant user (id or UPN) or the id of another member of the chat. */
  readonly userId: string;
  /** A Unicode emoji, a legacy name (`like`, `heart`, ...) or `custom`. */
  readonly reactionType: string;
  /** The reaction's name (custom reactions); defaults to null. */
  readonly displayName?: string | null;
  /** Image of a custom reaction; one is made up when not given. */
  readonly reactionContentUrl?: string | null;
}

export function editMessage(
  store: TenantStore,
  chatId: string,
  messageId: string,
  input: EditMessageInput = {},
): SimMessage {
  const entry = store.requireChat(chatId);
  const current = editable(store, entry, messageId);
  if (current.from === null || current.messageType !== "message") {
    throw badRequest(`Message '${messageId}' is a ${current.messageType} and cannot be edited.`);
  }
  const at = liveStamp(store);
  return store.messages.update(chatId, messageId, (m) => {
    m.body = {
      contentType: input.contentType ?? m.body.contentType,
      content: input.content ?? `${m.body.content} (edited)`,
    };
    m.lastEditedDateTime = at.text;
    touch(m, at);
  });
}

export function deleteMessage(store: TenantStore, chatId: string, messageId: string): SimMessage {
  const entry = store.requireChat(chatId);
  editable(store, entry, messageId);
  const at = liveStamp(store);
  return store.messages.update(chatId, messageId, (m) => {
    m.deletedDateTime = at.text;
    m.body = { contentType: "html", content: "" };
    m.from = null;
    m.attachments = [];
    m.mentions = [];
    m.reactions = [];
    touch(m, at);
  });
}

export function reactToMessage(
  store: TenantStore,
  chatId: string,
  messageId: string,
  input: ReactionInput,
): SimMessage {
  const entry = store.requireChat(chatId);
  const current = editable(store, entry, messageId);
  const user = reactor(store, entry, input.userId);
  if (
    current.reactions.some((r) => r.user.id === user.id && r.reactionType === input.reactionType)
  ) {
    throw new SimError(
      409,
      "Conflict",
      `User '${user.id}' already reacted '${input.reactionType}' to message '${messageId}'.`,
    );
  }
  const at = liveStamp(store);
  const reaction: SimReaction = {
    reactionType: input.reactionType,
    displayName: input.displayName ?? null,
    reactionContentUrl:
      input.reactionType === "custom"
        ? (input.reactionContentUrl ?? hostedContentUrl(store.messages.rng, chatId, messageId))
        : (input.reactionContentUrl ?? null),
    createdDateTime: at.text,
    user,
  };
  return store.messages.update(chatId, messageId, (m) => {
    m.reactions.push(reaction);
    m.messageHistory.push({ modifiedDateTime: at.text, actions: "reactionAdded", reaction });
    touch(m, at);
  });
}

export function unreactToMessage(
  store: TenantStore,
  chatId: string,
  messageId: string,
  input: Pick<ReactionInput, "userId" | "reactionType">,
): SimMessage {
  const entry = store.requireChat(chatId);
  const current = editable(store, entry, messageId);
  const user = reactor(store, entry, input.userId);
  const reaction = current.reactions.find(
    (r) => r.user.id === user.id && r.reactionType === input.reactionType,
  );
  if (!reaction)
    throw notFound(`Reaction '${input.reactionType}' of '${user.id}' on message '${messageId}'`);
  const at = liveStamp(store);
  return store.messages.update(chatId, messageId, (m) => {
    m.reactions = m.reactions.filter(
      (r) => !(r.user.id === user.id && r.reactionType === input.reactionType),
    );
    m.messageHistory.push({ modifiedDateTime: at.text, actions: "reactionRemoved", reaction });
    touch(m, at);
  });
}

function editable(store: TenantStore, entry: ChatEntry, messageId: string): SimMessage {
  const message = store.messages.find(entry.state.id, messageId);
  if (!message) throw notFound(`Message '${messageId}' of chat '${entry.state.id}'`);
  if (message.deletedDateTime !== null)
    throw badRequest(`Message '${messageId}' is deleted and cannot change.`);
  if (message.messageType === "systemEventMessage")
    throw badRequest(`Message '${messageId}' is a system event and cannot change.`);
  return message;
}

/** A member of the chat who can react, as reactions name them. */
function reactor(store: TenantStore, entry: ChatEntry, ref: string): SimMessageUser {
  const id = store.findUser(ref)?.id ?? ref;
  const member = entry.state.members.find((m) => memberIdentity(m).id === id);
  if (!member) throw notFound(`Member '${ref}' of chat '${entry.state.id}'`);
  return { ...messageUser(member, store.tenantId), displayName: null };
}

interface Stamp {
  readonly key: { ms: number; ticks: number };
  readonly text: string;
}

/** Now, as a change time: 3 to 7 digits, so it always reads later than anything before. */
function liveStamp(store: TenantStore): Stamp {
  const rng = store.messages.rng;
  const key = keyOf(store.eventMs(), rng.int(3, 7), rng.digits(4));
  store.messages.lastLiveKey = key;
  return { key, text: formatKey(key) };
}

function touch(message: SimMessage, at: Stamp): void {
  message.lastModifiedDateTime = at.text;
  message.etag = String(at.key.ms);
}
