import { isDeepStrictEqual } from "node:util";
import { rejectionWarning } from "./keyed-item.ts";
import { memberFromClean } from "./member.ts";
import { resolveNormalizeOptions, type NormalizeOptions } from "./options.ts";
import type { ChatMemberRow, Json, Rejected } from "./rows.ts";
import { applyPrivacy } from "./privacy.ts";
import { sanitizeJson } from "./sanitize.ts";

export interface NormalizedMembers {
  /** One row per membership id, in Graph's order. */
  readonly members: ChatMemberRow[];
  readonly warnings: string[];
  /** Members that could not be keyed (no string id), for dead-letter records. */
  readonly rejected: Rejected[];
}

/**
 * A chat's member list: the `members` expansion, or every page of
 * `GET /chats/{id}/members` concatenated (pass the whole list, so duplicates across
 * pages are seen).
 *
 * Duplicates: the same membership id twice in one chat keeps the first occurrence and
 * warns. The key is (chat_id, membership_id); a batched upsert touching one key twice
 * fails in Postgres ("ON CONFLICT DO UPDATE command cannot affect row a second time"),
 * and the first is what Graph listed first. Two memberships with the same userId are
 * different members and both kept (Graph's own sample has that).
 */
export function normalizeMembers(
  json: unknown,
  chatId: string,
  options: Partial<NormalizeOptions> = {},
): NormalizedMembers {
  const warnings: string[] = [];
  const clean = sanitizeJson(json, warnings);
  const opts = resolveNormalizeOptions(options);
  if (!Array.isArray(clean)) {
    const reason = "member list is not an array";
    const raw = applyPrivacy(clean, opts);
    return { members: [], warnings, rejected: [{ kind: "member", context: chatId, reason, raw }] };
  }
  return membersFromClean(clean, chatId, opts, "", warnings);
}

export function membersFromClean(
  items: Json[],
  chatId: string,
  options: NormalizeOptions,
  path: string,
  warnings: string[],
): NormalizedMembers {
  const members: ChatMemberRow[] = [];
  const rejected: Rejected[] = [];
  const first = new Map<string, { row: ChatMemberRow; at: string }>();
  items.forEach((item, i) => {
    const at = `${path}[${i}]`;
    const result = memberFromClean(item, chatId, options, at, warnings);
    if (!result.ok) {
      rejected.push(result.rejected);
      warnings.push(rejectionWarning(at, result.rejected));
      return;
    }
    const row = result.value;
    const seen = first.get(row.membership_id);
    if (seen === undefined) {
      first.set(row.membership_id, { row, at });
      members.push(row);
      return;
    }
    const differs = isDeepStrictEqual(seen.row, row) ? "" : " with different content";
    warnings.push(`${at}: same membership id as ${seen.at}${differs}; kept ${seen.at}`);
  });
  return { members, warnings, rejected };
}
