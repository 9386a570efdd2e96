import type { Kysely } from "kysely";
import type { Database } from "./schema.ts";

/** Where a message source stands, committed with the messages it covers. */
export type MessageCursor =
  | {
      readonly scope: "chat";
      readonly id: string;
      /** The newest lastModifiedDateTime of the history read (null: the chat had none). */
      readonly lastModifiedRaw: string | null;
      readonly readAt: Date;
    }
  | {
      readonly scope: "user";
      readonly id: string;
      /** The delta link that asks Graph for what changed since the round it ended. */
      readonly deltaLink: string;
      readonly readAt: Date;
    };

export interface MessageCursors {
  /** Chats whose history has been read, with the newest lastModifiedDateTime read. */
  readonly chats: ReadonlyMap<string, string | null>;
  /** Users' delta links, with when the round that gave each started. */
  readonly users: ReadonlyMap<string, { readonly deltaLink: string; readonly readAt: Date }>;
}

/**
 * Every cursor (one row per synced chat and user: small next to the messages). With a
 * tenant, only its users' delta links; chats' cursors all the same, since a chat several
 * tenants share has one history, read once.
 */
export async function readMessageCursors(
  db: Kysely<Database>,
  tenant?: string,
): Promise<MessageCursors> {
  const rows = await db
    .selectFrom("teams.sync_message_cursors")
    .select(["scope", "id", "last_modified_raw", "delta_link", "read_at"])
    .$if(tenant !== undefined, (q) =>
      q.where((eb) => eb.or([eb("scope", "=", "chat"), eb("tenant", "=", tenant as string)])),
    )
    .execute();
  const chats = new Map<string, string | null>();
  const users = new Map<string, { deltaLink: string; readAt: Date }>();
  for (const row of rows) {
    if (row.scope === "chat") chats.set(row.id, row.last_modified_raw);
    else if (row.delta_link !== null) {
      users.set(row.id, { deltaLink: row.delta_link, readAt: new Date(row.read_at) });
    }
  }
  return { chats, users };
}

export async function writeMessageCursor(
  db: Kysely<Database>,
  runId: number,
  cursor: MessageCursor,
): Promise<void> {
  const values = {
    scope: cursor.scope,
    id: cursor.id,
    last_modified_raw: cursor.scope === "chat" ? cursor.lastModifiedRaw : null,
    delta_link: cursor.scope === "user" ? cursor.deltaLink : null,
    read_at: cursor.readAt,
    run_id: runId,
  };
  await db
    .insertInto("teams.sync_message_cursors")
    .values(values)
    .onConflict((oc) =>
      oc.columns(["scope", "id"]).doUpdateSet({
        last_modified_raw: values.last_modified_raw,
        delta_link: values.delta_link,
        read_at: values.read_at,
        run_id: runId,
        updated_at: new Date(),
      }),
    )
    .execute();
}
