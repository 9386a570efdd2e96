/** The chat_messages a warehouse must hold for a simulator, and what it holds. */
import { sql, type Kysely } from "kysely";
import type { Database } from "../../src/load/index.ts";
import type { Simulator } from "../../src/sim/index.ts";

export interface MessageKey {
  chat_id: string;
  message_id: string;
  last_modified_raw: string | null;
  deleted: boolean;
  reactions: number;
}

/** Every message of every chat a user of the tenant is in, as the simulator holds it now. */
export function messagesTruth(sim: Simulator): MessageKey[] {
  const listed = new Set(
    sim
      .state()
      .chats.filter((c) => Object.keys(c.viewpoints).length > 0)
      .map((c) => c.id),
  );
  const rows: MessageKey[] = [];
  for (const { chatId, messages } of sim.allMessages()) {
    if (!listed.has(chatId)) continue;
    for (const m of messages) {
      rows.push({
        chat_id: chatId,
        message_id: m.id,
        last_modified_raw: m.lastModifiedDateTime,
        deleted: m.deletedDateTime !== null,
        reactions: m.reactions.length,
      });
    }
  }
  return sortKeys(rows);
}

export async function storedMessages(db: Kysely<Database>): Promise<MessageKey[]> {
  const { rows } = await sql<MessageKey>`
    select m.chat_id, m.message_id, m.last_modified_raw, m.deleted_at is not null as deleted,
           (select count(*)::int from teams.chat_message_reactions r
             where r.chat_id = m.chat_id and r.message_id = m.message_id) as reactions
      from teams.chat_messages m`.execute(db);
  return sortKeys(rows);
}

function sortKeys(rows: MessageKey[]): MessageKey[] {
  return rows.sort((a, b) =>
    a.chat_id === b.chat_id
      ? a.message_id.localeCompare(b.message_id)
      : a.chat_id.localeCompare(b.chat_id),
  );
}
