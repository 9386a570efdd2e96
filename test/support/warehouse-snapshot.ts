/**
 * The data tables of the warehouse as plain rows, in one shape for what the database
 * holds (`readWarehouse`) and what it should hold (`expectedWarehouse`). Timestamps are
 * instants at Postgres' precision (see pg-instant.ts); the bookkeeping columns that say
 * whether a row is still current are booleans (`removed`, `deleted`); first_seen_at /
 * last_seen_at are left out because they depend on when a run happened.
 */
import { sql, type Kysely } from "kysely";
import { expect } from "vitest";
import type { Database } from "../../src/load/index.ts";
import type { Json, JsonObject } from "../../src/normalize/rows.ts";
import { pgInstantSql } from "./pg-instant.ts";

export interface ChatState {
  chat_id: string;
  tenant_id: string | null;
  chat_type: string | null;
  topic: string | null;
  web_url: string | null;
  created_at: string | null;
  last_updated_at: string | null;
  last_updated_raw: string | null;
  is_hidden_for_all_members: boolean | null;
  migration_mode: string | null;
  original_created_at: string | null;
  meeting_join_url: string | null;
  meeting_calendar_event_id: string | null;
  meeting_organizer_id: string | null;
  last_message_id: string | null;
  last_message_at: string | null;
  raw: JsonObject;
  deleted: boolean;
}

export interface MemberState {
  chat_id: string;
  membership_id: string;
  member_type: string | null;
  user_id: string | null;
  display_name: string | null;
  email: string | null;
  tenant_id: string | null;
  roles: string[];
  visible_history_start_at: string | null;
  raw: JsonObject;
  removed: boolean;
}

export interface UserChatState {
  user_id: string;
  chat_id: string;
  is_hidden: boolean | null;
  last_message_read_at: string | null;
  removed: boolean;
}

export interface PreviewState {
  chat_id: string;
  message_id: string;
  created_at: string | null;
  is_deleted: boolean | null;
  message_type: string | null;
  body_content_type: string | null;
  body_content: string | null;
  from_kind: string | null;
  from_user_id: string | null;
  from_application_id: string | null;
  from_identity_type: string | null;
  from_display_name: string | null;
  event_detail_type: string | null;
  event_detail: Json;
}

export interface OperationState {
  operation_id: string;
  chat_id: string;
  operation_type: string | null;
  status: string | null;
  created_at: string | null;
  last_action_at: string | null;
  attempts_count: number | null;
  target_resource_id: string | null;
  target_resource_location: string | null;
  error_code: string | null;
  error_message: string | null;
  raw: JsonObject;
}

export interface WarehouseSnapshot {
  chats: ChatState[];
  chat_members: MemberState[];
  user_chats: UserChatState[];
  message_previews: PreviewState[];
  chat_operations: OperationState[];
}

export type DataTable = keyof WarehouseSnapshot;

export const DATA_TABLES: readonly DataTable[] = [
  "chats",
  "chat_members",
  "user_chats",
  "message_previews",
  "chat_operations",
];

/** Each table's primary key, in column order. */
export const TABLE_KEYS = {
  chats: ["chat_id"],
  chat_members: ["chat_id", "membership_id"],
  user_chats: ["user_id", "chat_id"],
  message_previews: ["chat_id", "message_id"],
  chat_operations: ["operation_id"],
} as const satisfies Record<DataTable, readonly string[]>;

/** A row's primary key as one string (for sorting and messages). */
export function rowKey(table: DataTable, row: object): string {
  const values = row as Record<string, unknown>;
  return TABLE_KEYS[table].map((column) => String(values[column])).join(" / ");
}

/** Rows in primary key order, compared by code unit (not by a database collation). */
export function sortByKey<T extends object>(table: DataTable, rows: readonly T[]): T[] {
  return [...rows].sort((a, b) => {
    const ka = rowKey(table, a);
    const kb = rowKey(table, b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

const ts = (column: string): string => `${pgInstantSql(column)} as ${column}`;

const SELECTS: Record<DataTable, string> = {
  chats: `select chat_id, tenant_id, chat_type, topic, web_url, ${ts("created_at")},
      ${ts("last_updated_at")}, last_updated_raw, is_hidden_for_all_members, migration_mode,
      ${ts("original_created_at")}, meeting_join_url, meeting_calendar_event_id,
      meeting_organizer_id, last_message_id, ${ts("last_message_at")}, raw,
      deleted_at is not null as deleted
    from teams.chats`,
  chat_members: `select chat_id, membership_id, member_type, user_id, display_name, email,
      tenant_id, roles, ${ts("visible_history_start_at")}, raw, removed_at is not null as removed
    from teams.chat_members`,
  user_chats: `select user_id, chat_id, is_hidden, ${ts("last_message_read_at")},
      removed_at is not null as removed
    from teams.user_chats`,
  message_previews: `select chat_id, message_id, ${ts("created_at")}, is_deleted, message_type,
      body_content_type, body_content, from_kind, from_user_id, from_application_id,
      from_identity_type, from_display_name, event_detail_type, event_detail
    from teams.message_previews`,
  chat_operations: `select operation_id, chat_id, operation_type, status, ${ts("created_at")},
      ${ts("last_action_at")}, attempts_count, target_resource_id, target_resource_location,
      error_code, error_message, raw
    from teams.chat_operations`,
};

/** Every data table as it is now, each sorted by its key. */
export async function readWarehouse(db: Kysely<Database>): Promise<WarehouseSnapshot> {
  const read = async <T extends object>(table: DataTable): Promise<T[]> => {
    const { rows } = await sql<T>`${sql.raw(SELECTS[table])}`.execute(db);
    return sortByKey(table, rows);
  };
  return {
    chats: await read<ChatState>("chats"),
    chat_members: await read<MemberState>("chat_members"),
    user_chats: await read<UserChatState>("user_chats"),
    message_previews: await read<PreviewState>("message_previews"),
    chat_operations: await read<OperationState>("chat_operations"),
  };
}

/** Row counts of the data tables and the run bookkeeping tables. */
export async function countRows(db: Kysely<Database>): Promise<Record<string, number>> {
  const tables = [...DATA_TABLES, "sync_runs", "sync_watermarks", "sync_failures", "sync_rejects"];
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(
      `teams.${table}`,
    )}`.execute(db);
    counts[table] = rows[0]?.n ?? -1;
  }
  return counts;
}

/**
 * Every column of every data table (bookkeeping included) as text, for "nothing was
 * rewritten" checks: an unchanged row keeps its last_seen_at too.
 */
export async function dumpDataTables(db: Kysely<Database>): Promise<Record<string, string[]>> {
  const dump: Record<string, string[]> = {};
  for (const table of DATA_TABLES) {
    const { rows } = await sql<{ row: string }>`select t::text as row from ${sql.table(
      `teams.${table}`,
    )} t`.execute(db);
    dump[table] = rows.map((r) => r.row).sort();
  }
  return dump;
}

/** Table by table, then row by row, so a failure names the table and the row's key. */
export function expectWarehouse(actual: WarehouseSnapshot, expected: WarehouseSnapshot): void {
  for (const table of DATA_TABLES) {
    const actualKeys = actual[table].map((row) => rowKey(table, row));
    const expectedKeys = expected[table].map((row) => rowKey(table, row));
    expect(actualKeys, `keys of teams.${table}`).toEqual(expectedKeys);
    actual[table].forEach((row, i) => {
      expect(row, `teams.${table} ${actualKeys[i]}`).toEqual(expected[table][i]);
    });
  }
}
