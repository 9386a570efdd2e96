import type * as MicrosoftGraph from "@microsoft/microsoft-graph-types";
import { FieldReader, ownValue } from "./fields.ts";
import { accepted, keyItem, withoutResponseContext } from "./keyed-item.ts";
import { MAX_ID_LENGTH } from "./limits.ts";
import { resolveNormalizeOptions, type NormalizeOptions } from "./options.ts";
import { applyPrivacy, collectEmails, hashEmailsDeep } from "./privacy.ts";
import type { ChatMemberRow, Json, JsonObject, Normalized } from "./rows.ts";
import { sanitizeJson } from "./sanitize.ts";

/**
 * One `conversationMember` (from `$expand=members` or `GET /chats/{id}/members`).
 *
 * Every subtype is read the same way: `userId`, `email`, `tenantId` when the subtype has
 * them (aadUser, microsoftAccountUser, skypeForBusinessUser; unknown future subtypes
 * too), null otherwise. Subtype-only identifiers (anonymousGuestId, skypeId, phoneNumber,
 * azureCommunicationServicesId, ...) stay in `raw`. `member_type` is the `@odata.type`
 * without prefix, unknown ones included. Rejected only without a string `id`.
 */
type GraphMember = MicrosoftGraph.AadUserConversationMember;

export function normalizeMember(
  json: unknown,
  chatId: string,
  options: Partial<NormalizeOptions> = {},
): Normalized<ChatMemberRow> {
  const warnings: string[] = [];
  const clean = sanitizeJson(json, warnings);
  return memberFromClean(clean, chatId, resolveNormalizeOptions(options), "", warnings);
}

/** For callers that already sanitized (a chat's expansion); warnings are prefixed by `path`. */
export function memberFromClean(
  clean: Json,
  chatId: string,
  options: NormalizeOptions,
  path: string,
  warnings: string[],
): Normalized<ChatMemberRow> {
  const keyed = keyItem(clean, "member", chatId, options);
  if (!keyed.ok) return keyed;
  // The member's user is what identifies it to analysts (and what chat_members is
  // indexed on): a member whose userId no index could hold is left out whole.
  const userId = ownValue(keyed.item, "userId");
  if (typeof userId === "string" && userId.length > MAX_ID_LENGTH) {
    const reason = `userId is ${userId.length} characters long, longer than any Graph id (at most ${MAX_ID_LENGTH})`;
    return {
      ok: false,
      rejected: { kind: "member", context: chatId, reason, raw: applyPrivacy(keyed.item, options) },
    };
  }
  const read = new FieldReader<GraphMember>(keyed.item, path, warnings);
  const row: ChatMemberRow = {
    chat_id: chatId,
    membership_id: keyed.id,
    member_type: read.odataType(),
    user_id: read.identifier("userId"),
    display_name: read.string("displayName"),
    email: read.string("email"),
    tenant_id: read.identifier("tenantId"),
    roles: read.strings("roles"),
    visible_history_start_at: read.timestamp("visibleHistoryStartDateTime"),
    raw: applyPrivacy(withoutResponseContext(keyed.item), options) as JsonObject,
  };
  // The address must survive nowhere: the column, raw, and a display name that is just
  // the address (guests often have one).
  return accepted(
    options.hashEmails ? hashEmailsDeep(row, collectEmails(keyed.item)) : row,
    warnings,
  );
}
