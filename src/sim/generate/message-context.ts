/**
 * What generating a chat's messages needs. A chat's history is a function of the chat as
 * it was generated (its basis, captured at startup) and of the tenant's seed, never of
 * its live state: a history first read after a rename reads the same as one read before.
 */
import type { GraphTimestamp, SimChatState, SimMember, SimPreview, SimUser } from "../model.ts";
import type { MessageVolume } from "./message-volume.ts";

export interface ChatBasis {
  /** Creation order in the tenant (0 is the first chat). */
  readonly ordinal: number;
  readonly id: string;
  readonly chatType: string;
  readonly topic: string | null;
  readonly createdDateTime: GraphTimestamp;
  readonly members: readonly SimMember[];
  readonly installedAppIds: readonly string[];
  /** The generated preview: the newest message of the history (null: no messages). */
  readonly preview: SimPreview | null;
}

export interface MessageGenContext {
  readonly seed: number | string;
  readonly tenantId: string;
  /** The tenant's users at startup (users added later never change a history). */
  readonly users: readonly SimUser[];
  readonly appIds: readonly string[];
  readonly botAppIds: readonly string[];
  /** The generation instant: every generated change happens before it. */
  readonly nowMs: number;
  readonly volume: MessageVolume;
}

const NO_APPS: readonly string[] = Object.freeze([]);

/** Copies what may later change in place (members are pushed to, apps installed). */
export function captureBasis(chat: SimChatState, ordinal: number): ChatBasis {
  return {
    ordinal,
    id: chat.id,
    chatType: chat.chatType,
    topic: chat.topic,
    createdDateTime: chat.createdDateTime,
    members: chat.members.slice(),
    installedAppIds: chat.installedAppIds.length === 0 ? NO_APPS : chat.installedAppIds.slice(),
    preview: chat.lastMessagePreview,
  };
}
