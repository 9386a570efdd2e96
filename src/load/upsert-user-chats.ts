import type { Kysely } from "kysely";
import type { UserChatRow } from "../normalize/rows.ts";
import type { Database } from "./schema.ts";
import { DEFAULT_TENANT } from "./tenants.ts";
import {
  addCounts,
  upsertRows,
  type UpsertOptions,
  type UpsertSpec,
  type WriteCount,
} from "./upsert-rows.ts";

/** A viewpoint with the viewing user's tenant. */
type TenantUserChat = UserChatRow & { readonly tenant: string };

export const USER_CHATS: UpsertSpec<TenantUserChat> = {
  name: "upsert_user_chats",
  table: "user_chats",
  key: ["user_id", "chat_id"],
  columns: {
    user_id: "text",
    chat_id: "text",
    tenant: "text",
    is_hidden: "boolean",
    last_message_read_at: "timestamptz",
  },
  reappears: "removed_at",
};

type UserChatKey = Pick<UserChatRow, "user_id" | "chat_id">;

// A listing without a viewpoint says the user has the chat but not how they see it:
// the row must exist and be active, and the last viewpoint known is kept.
const LISTED_WITHOUT_VIEWPOINT: UpsertSpec<UserChatKey & { readonly tenant: string }> = {
  name: "upsert_user_chats_listed",
  table: "user_chats",
  key: ["user_id", "chat_id"],
  columns: { user_id: "text", chat_id: "text", tenant: "text" },
  reappears: "removed_at",
};

/** One entry per chat in a user's listing; `viewpoint` null when Graph sent none. */
export interface ListedUserChat {
  readonly key: UserChatKey;
  readonly viewpoint: UserChatRow | null;
}

export async function upsertUserChats(
  db: Kysely<Database>,
  listed: readonly ListedUserChat[],
  seenAt: Date,
  options?: UpsertOptions,
  /** The viewing user's tenant. */
  tenant: string = DEFAULT_TENANT,
): Promise<WriteCount> {
  const withViewpoint: TenantUserChat[] = [];
  const without: (UserChatKey & { tenant: string })[] = [];
  for (const { key, viewpoint } of listed) {
    if (viewpoint) withViewpoint.push({ ...viewpoint, ...key, tenant });
    else without.push({ ...key, tenant });
  }
  return addCounts(
    await upsertRows(db, USER_CHATS, withViewpoint, seenAt, options),
    await upsertRows(db, LISTED_WITHOUT_VIEWPOINT, without, seenAt, options),
  );
}
