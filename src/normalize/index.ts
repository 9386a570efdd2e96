/** The normalize stage: Graph JSON (untrusted, `unknown`) in, typed rows out. Pure. */
export { MEMBER_EXPANSION_LIMIT, normalizeListedChat, normalizeListedViewpoint } from "./chat.ts";
export { normalizeMember } from "./member.ts";
export { normalizeMembers, type NormalizedMembers } from "./member-list.ts";
export { normalizePreview } from "./preview.ts";
export { normalizeChatMessage } from "./message.ts";
export { normalizeChatMessages, type NormalizedChatMessages } from "./message-list.ts";
export { htmlToText } from "./html-text.ts";
export { normalizeOperation } from "./operation.ts";
export { normalizeUser, type GraphUserRef } from "./user.ts";
export {
  DEFAULT_NORMALIZE_OPTIONS,
  resolveNormalizeOptions,
  type NormalizeOptions,
} from "./options.ts";
export {
  compareGraphTimestamps,
  graphTimestampTicks,
  isGraphTimestamp,
  isNeverTimestamp,
  latestGraphTimestamp,
  parseGraphTimestamp,
  type ParsedGraphTimestamp,
} from "./timestamp.ts";
export { sanitizeJson, sanitizeText, type SanitizedText } from "./sanitize.ts";
export { stripODataType } from "./odata-type.ts";
export { unusableIdReason } from "./keyed-item.ts";
export { MAX_ID_LENGTH } from "./limits.ts";
export { hashEmail } from "./privacy.ts";
export type * from "./rows.ts";
