import type * as MicrosoftGraph from "@microsoft/microsoft-graph-types";
import { describeJson, FieldReader, isJsonObject, ownValue } from "./fields.ts";
import type { ChatMessageMentionRow, Json, JsonObject } from "./rows.ts";

/** The message a part belongs to, and where its array sits in the item (for warnings). */
export interface PartContext {
  readonly chatId: string;
  readonly messageId: string;
  readonly path: string;
  readonly warnings: string[];
}

/** The identities a `mentioned` set can hold; the first one set is the mentioned one. */
const MENTIONED_KINDS = ["user", "application", "conversation", "tag", "device"] as const;

type GraphMentioned = MicrosoftGraph.TeamworkUserIdentity &
  MicrosoftGraph.TeamworkConversationIdentity &
  MicrosoftGraph.TeamworkTagIdentity;

/**
 * `mentions[]` -> one row per mention id. A mention is keyed by its Int32 `id` (the
 * `<at id="N">` of the body): one without an integer id cannot be stored and is left
 * out, and a repeated id keeps the first; each with a warning (raw keeps them all).
 */
export function readMentions(value: Json | undefined, at: PartContext): ChatMessageMentionRow[] {
  const rows: ChatMessageMentionRow[] = [];
  const seen = new Map<number, string>();
  for (const [item, path] of partItems(value, at)) {
    const read = new FieldReader<MicrosoftGraph.ChatMessageMention>(item, path, at.warnings);
    const id = read.integer("id");
    if (id === null) {
      at.warnings.push(`${path}: mention without an integer id; left out`);
      continue;
    }
    const first = seen.get(id);
    if (first !== undefined) {
      at.warnings.push(`${path}: same mention id as ${first}; kept ${first}`);
      continue;
    }
    seen.set(id, path);
    rows.push({
      chat_id: at.chatId,
      message_id: at.messageId,
      mention_id: id,
      mention_text: read.string("mentionText"),
      ...readMentioned(read.object("mentioned"), `${path}.mentioned`, at.warnings),
    });
  }
  return rows;
}

type Mentioned = Pick<
  ChatMessageMentionRow,
  "mentioned_kind" | "mentioned_id" | "mentioned_display_name"
>;

function readMentioned(set: JsonObject | null, path: string, warnings: string[]): Mentioned {
  for (const kind of MENTIONED_KINDS) {
    const identity = set === null ? undefined : ownValue(set, kind);
    if (!isJsonObject(identity)) continue;
    const read = new FieldReader<GraphMentioned>(identity, `${path}.${kind}`, warnings);
    return {
      mentioned_kind: kind,
      mentioned_id: read.identifier("id"),
      mentioned_display_name: read.string("displayName"),
    };
  }
  return { mentioned_kind: null, mentioned_id: null, mentioned_display_name: null };
}

/**
 * The objects of a message's part array with their paths; a missing or null array is
 * empty, anything else that is not an array (or an item that is not an object) is
 * skipped with a warning.
 */
export function* partItems(
  value: Json | undefined,
  at: Pick<PartContext, "path" | "warnings">,
): Generator<[JsonObject, string]> {
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) {
    at.warnings.push(`${at.path}: expected an array, got ${describeJson(value)}; stored as []`);
    return;
  }
  for (let i = 0; i < value.length; i++) {
    const item = value[i];
    const path = `${at.path}[${i}]`;
    if (isJsonObject(item)) yield [item, path];
    else at.warnings.push(`${path}: expected an object, got ${describeJson(item)}; left out`);
  }
}
