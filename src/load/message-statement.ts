import type { NamedText } from "./named-statement.ts";

/**
 * The SQL of a chat-message batch: one statement upserts the messages and returns those
 * it inserted or changed; then one statement per part table (mentions, reactions,
 * attachments) makes each of those messages hold exactly its current rows (deleting
 * rows no longer present, upserting present ones). Everything is set-based: each table's
 * rows arrive as one jsonb parameter expanded by jsonb_to_recordset, in key order.
 *
 * Why not one statement for all four tables: a statement reads one snapshot, taken
 * when it starts. A batch that waits on a message row another transaction is writing
 * then updates that row, but its part deletions would still read the snapshot from
 * before the other transaction committed, and miss (so keep) the other's parts. A
 * separate statement per part table starts after the message rows are locked, so it
 * sees every committed part of them.
 */

export interface TableSpec {
  readonly table: string;
  readonly key: readonly string[];
  /** Every column with its SQL type, key columns first. */
  readonly columns: Readonly<Record<string, string>>;
}

/**
 * Message columns in comparison order: an update is decided by `is distinct from` over
 * them, and Postgres stops at the first difference, so the cheap columns that move with
 * every change (lastModifiedDateTime, etag) come first and raw (the largest) last.
 */
export const MESSAGES: TableSpec = {
  table: "chat_messages",
  key: ["chat_id", "message_id"],
  columns: {
    chat_id: "text",
    message_id: "text",
    last_modified_raw: "text",
    etag: "text",
    last_modified_at: "timestamptz",
    deleted_at: "timestamptz",
    last_edited_at: "timestamptz",
    message_type: "text",
    created_at: "timestamptz",
    subject: "text",
    importance: "text",
    web_url: "text",
    from_kind: "text",
    from_user_id: "text",
    from_application_id: "text",
    from_display_name: "text",
    from_identity_type: "text",
    body_content_type: "text",
    body_content: "text",
    body_text: "text",
    event_detail_type: "text",
    event_detail: "jsonb",
    policy_violation: "jsonb",
    raw: "jsonb",
  },
};

export const MENTIONS: TableSpec = {
  table: "chat_message_mentions",
  key: ["chat_id", "message_id", "mention_id"],
  columns: {
    chat_id: "text",
    message_id: "text",
    mention_id: "integer",
    mention_text: "text",
    mentioned_kind: "text",
    mentioned_id: "text",
    mentioned_display_name: "text",
  },
};

export const REACTIONS: TableSpec = {
  table: "chat_message_reactions",
  key: ["chat_id", "message_id", "user_id", "reaction_type"],
  columns: {
    chat_id: "text",
    message_id: "text",
    user_id: "text",
    reaction_type: "text",
    display_name: "text",
    created_at: "timestamptz",
    reaction_content_url: "text",
  },
};

export const ATTACHMENTS: TableSpec = {
  table: "chat_message_attachments",
  key: ["chat_id", "message_id", "attachment_id"],
  columns: {
    chat_id: "text",
    message_id: "text",
    attachment_id: "text",
    content_type: "text",
    content_url: "text",
    name: "text",
    thumbnail_url: "text",
    teams_app_id: "text",
    content: "text",
  },
};

/** A message the upsert inserted or changed. */
export interface WrittenMessage {
  readonly chat_id: string;
  readonly message_id: string;
  readonly inserted: boolean;
}

/** What a part statement returns. */
export interface PartCounts {
  readonly inserted: number;
  readonly updated: number;
  readonly deleted: number;
}

const messageStatements = new Map<boolean, NamedText>();
const partStatements = new Map<string, NamedText>();

/**
 * $1 messages (jsonb), $2 seen_at; returns the messages inserted or changed.
 * `probe`: first filter out messages identical to the stored ones, so they are neither
 * written nor locked (false when the messages are known new: the probe could find
 * nothing and would cost an index lookup per row).
 */
export function messageUpsert(probe: boolean): NamedText {
  let statement = messageStatements.get(probe);
  if (statement === undefined) {
    statement = {
      name: probe ? "upsert_chat_messages" : "upsert_chat_messages_new",
      text: buildMessageUpsert(probe),
    };
    messageStatements.set(probe, statement);
  }
  return statement;
}

/**
 * $1 the parts of the written messages (jsonb), $2 the keys of the written messages that
 * existed before (jsonb `[{chat_id, message_id}]`): their parts absent from $1 are
 * deleted. Returns one row of counts.
 */
export function partSet(spec: TableSpec): NamedText {
  let statement = partStatements.get(spec.table);
  if (statement === undefined) {
    statement = { name: `set_${spec.table}`, text: buildPartSet(spec) };
    partStatements.set(spec.table, statement);
  }
  return statement;
}

function buildMessageUpsert(probe: boolean): string {
  const names = Object.keys(MESSAGES.columns);
  const data = names.filter((c) => !MESSAGES.key.includes(c));
  const unchanged = `e.chat_id = v.chat_id and e.message_id = v.message_id
          and row(${list("e.", data)}) is not distinct from row(${list("v.", data)})`;
  return `
    insert into teams.chat_messages as t (${names.join(", ")}, first_seen_at, last_seen_at)
    select ${list("v.", names)}, s.seen_at, s.seen_at
    from rows from (jsonb_to_recordset($1::jsonb) as (${typed(MESSAGES)}))
      with ordinality as v(${names.join(", ")}, ord)
    cross join (select $2::timestamptz as seen_at) s
    ${probe ? `where not exists (select 1 from teams.chat_messages e where ${unchanged})` : ""}
    order by v.ord
    on conflict (chat_id, message_id) do update
    set ${data.map((c) => `${c} = excluded.${c}`).join(", ")}, last_seen_at = excluded.last_seen_at
    where row(${list("t.", data)}) is distinct from row(${list("excluded.", data)})
    returning t.chat_id, t.message_id, (xmax = 0) as inserted`;
}

function buildPartSet(spec: TableSpec): string {
  const names = Object.keys(spec.columns);
  const data = names.filter((c) => !spec.key.includes(c));
  const sameKey = spec.key.map((k) => `p.${k} = t.${k}`).join(" and ");
  return `
    with p as (
      select * from rows from (jsonb_to_recordset($1::jsonb) as (${typed(spec)}))
        with ordinality as p(${names.join(", ")}, ord)
    ),
    gone as (
      delete from teams.${spec.table} t
      using jsonb_to_recordset($2::jsonb) as c(chat_id text, message_id text)
      where t.chat_id = c.chat_id and t.message_id = c.message_id
        and not exists (select 1 from p where ${sameKey})
      returning 1
    ),
    upserted as (
      insert into teams.${spec.table} as t (${names.join(", ")})
      select ${list("p.", names)} from p
      order by p.ord
      on conflict (${spec.key.join(", ")}) do update
      set ${data.map((c) => `${c} = excluded.${c}`).join(", ")}
      where row(${list("t.", data)}) is distinct from row(${list("excluded.", data)})
      returning (xmax = 0) as inserted
    )
    select (select count(*) filter (where inserted) from upserted)::int as inserted,
           (select count(*) filter (where not inserted) from upserted)::int as updated,
           (select count(*) from gone)::int as deleted`;
}

function list(prefix: string, columns: readonly string[]): string {
  return columns.map((c) => `${prefix}${c}`).join(", ");
}

function typed(spec: TableSpec): string {
  return Object.entries(spec.columns)
    .map(([c, type]) => `${c} ${type}`)
    .join(", ");
}
