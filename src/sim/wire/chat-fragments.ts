/**
 * Serialized pieces of a chat cached per chat version. A benchmark page is 50 chats x 25
 * members; re-serializing 1,250 members on every request would make the simulator, not
 * the client, the bottleneck at 200+ requests/s.
 */
import type { ChatEntry } from "../tenant/store.ts";
import { memberJson } from "./member-json.ts";
import { previewJson } from "./preview-json.ts";

/** Graph's known limit: `$expand=members` returns at most 25 members per chat. */
export const EXPANDED_MEMBER_CAP = 25;

interface Fragments {
  version: number;
  members?: Buffer;
  preview?: string;
}

const cache = new WeakMap<ChatEntry, Fragments>();

function fragments(entry: ChatEntry): Fragments {
  let cached = cache.get(entry);
  if (!cached || cached.version !== entry.version) {
    cached = { version: entry.version };
    cache.set(entry, cached);
  }
  return cached;
}

/** The JSON array of the first 25 members, UTF-8 encoded once per chat version. */
export function expandedMembersJson(entry: ChatEntry): Buffer {
  const f = fragments(entry);
  f.members ??= Buffer.from(
    JSON.stringify(entry.state.members.slice(0, EXPANDED_MEMBER_CAP).map(memberJson)),
    "utf8",
  );
  return f.members;
}

/** The JSON of the current preview (`null` when the chat has no message). */
export function previewJsonString(entry: ChatEntry): string {
  const f = fragments(entry);
  const preview = entry.state.lastMessagePreview;
  f.preview ??= preview === null ? "null" : JSON.stringify(previewJson(preview));
  return f.preview;
}
