/** One chat as JSON pieces, with the requested expansions spliced in from the cache. */
import type { JsonChunk } from "../http/json-chunks.ts";
import type { ChatExpansion } from "../http/odata.ts";
import type { ChatEntry } from "../tenant/store.ts";
import { chatJson } from "./chat-json.ts";
import { expandedMembersJson, previewJsonString } from "./chat-fragments.ts";

export interface ChatItemOptions {
  readonly viewpointOf?: string;
  readonly expansions: readonly ChatExpansion[];
  readonly lastUpdatedDateTime?: string;
  /** Sent before the preview on single-chat GETs (`lastMessagePreview@odata.context`). */
  readonly previewContext?: string;
  /** Properties placed first (`@odata.context` of an entity). */
  readonly head?: Record<string, string>;
}

export function chatItemJson(entry: ChatEntry, options: ChatItemOptions): JsonChunk[] {
  const base = JSON.stringify({
    ...options.head,
    ...chatJson(entry.state, {
      viewpointOf: options.viewpointOf,
      lastUpdatedDateTime: options.lastUpdatedDateTime,
    }),
  });
  if (options.expansions.length === 0) return [base];
  // The base always has properties (id, ...): drop its "}" and append the expansions.
  const chunks: JsonChunk[] = [base.slice(0, -1)];
  for (const expansion of options.expansions) {
    if (expansion === "members") {
      chunks.push(`,"members":`, expandedMembersJson(entry));
    } else {
      if (options.previewContext !== undefined) {
        chunks.push(
          `,"lastMessagePreview@odata.context":${JSON.stringify(options.previewContext)}`,
        );
      }
      chunks.push(`,"lastMessagePreview":${previewJsonString(entry)}`);
    }
  }
  chunks.push("}");
  return chunks;
}

/** `chats`, `chats(members())`, `chats(members(),lastMessagePreview())`, ... */
export function chatsContext(
  origin: string,
  version: string,
  expansions: readonly ChatExpansion[],
): string {
  const expanded = expansions.length === 0 ? "" : `(${expansions.map((e) => `${e}()`).join(",")})`;
  return `${origin}/${version}/$metadata#chats${expanded}`;
}
