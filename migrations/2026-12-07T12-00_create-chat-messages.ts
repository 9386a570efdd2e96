import { sql, type Kysely } from "kysely";

// Chat messages: the conversations themselves, with their current mentions, reactions and
// attachments, and two analyst views. Migrations never import app code.

type Comments = Record<string, { table: string; columns: Record<string, string> }>;

const NEVER = "NULL when Graph sent nothing or its 0001-01-01 'never' sentinel.";
const SEEN_FIRST = "When a sync first wrote this row.";
const SEEN_LAST =
  "When a sync last wrote this row: on insert or when the message changed (edit, reaction, deletion). " +
  "A sync that finds the message unchanged does not write it, so this is 'last changed', not 'last confirmed present'.";
const CURRENT_SET =
  "Holds the message's CURRENT set: rewritten whenever the message changes, so one removed in Teams is removed here.";

const TABLES = {
  chat_messages: {
    table:
      "Every message of every synced chat (chatMessage), keyed by chat: message ids repeat across chats. A message " +
      "deleted in Teams keeps its row, with deleted_at set and the empty body Graph sends after deletion. System " +
      "events (members added, renames, calls) are rows too, with event_detail and no sender.",
    columns: {
      chat_id: "The chat (chats.chat_id).",
      message_id: "Graph message id; unique only within its chat.",
      message_type:
        "message, chatEvent, typing, systemEventMessage, or whatever Graph sent (unknownFutureValue for system " +
        "events read without Graph's include-unknown-enum-members header).",
      created_at: `When the message was sent (createdDateTime). ${NEVER}`,
      last_modified_at:
        "lastModifiedDateTime: when the message last changed in any way, edits, reactions added or removed and deletion included.",
      last_modified_raw:
        "lastModifiedDateTime exactly as Graph sent it (0 to 7 fractional digits; timestamptz keeps 6).",
      last_edited_at: "When the message text was last edited; NULL if never edited.",
      deleted_at:
        "When the message was deleted; NULL while it exists. A deleted message keeps its row.",
      subject: "Message subject; usually NULL in chats.",
      importance: "normal, high, urgent, or whatever Graph sent.",
      etag: "Graph's version tag of the message: changes whenever the message changes.",
      web_url: "Link to the message in Teams (opaque); often NULL in chats.",
      from_kind:
        "Which identity sent it: user, application (a bot or app) or device; NULL for system events and some deleted messages.",
      from_user_id: "Sender's user id when a user sent it.",
      from_application_id: "Sender's application id when an app or bot sent it.",
      from_display_name: "Sender's display name as Graph sent it (often NULL: Graph omits it).",
      from_identity_type:
        "userIdentityType / applicationIdentityType of the sender: aadUser, anonymousGuest, federatedUser, bot, ...",
      body_content_type: "text or html: how body_content is written.",
      body_content:
        "The message body as Graph sent it (HTML or text); NULL when the sync runs with --no-message-bodies. Empty for deleted messages.",
      body_text:
        "The body as plain text: HTML parsed, entities decoded, tags dropped, mentions kept as their text, blocks as " +
        "lines, emoji and described images as their alt text. NULL with --no-message-bodies.",
      event_detail_type:
        "For system events, the event type from @odata.type without prefix, e.g. membersAddedEventMessageDetail, callEndedEventMessageDetail; NULL otherwise.",
      event_detail: "For system events, the event detail as Graph sent it; NULL otherwise.",
      policy_violation:
        "Data loss prevention verdict on the message (policyViolation) as Graph sent it; NULL when none.",
      raw:
        "The message as Graph sent it (mentions, reactions, attachments and messageHistory included), without " +
        "response annotations; without body and attachment content when run with --no-message-bodies.",
      first_seen_at: SEEN_FIRST,
      last_seen_at: SEEN_LAST,
    },
  },
  chat_message_mentions: {
    table: `@mentions in messages, one row per mention. ${CURRENT_SET}`,
    columns: {
      chat_id: "The chat (chat_messages.chat_id).",
      message_id: "The message (chat_messages.message_id).",
      mention_id: 'Mention number within the message; matches <at id="N"> in the HTML body.',
      mention_text: "The text shown for the mention, e.g. the name as typed.",
      mentioned_kind:
        "What was mentioned: user, application (a bot), conversation (the whole chat, '@Everyone') or tag.",
      mentioned_id: "Id of the mentioned user, application, chat or tag.",
      mentioned_display_name: "Display name of what was mentioned, as Graph sent it.",
    },
  },
  chat_message_reactions: {
    table: `Reactions to messages, one row per user and reaction type. ${CURRENT_SET}`,
    columns: {
      chat_id: "The chat (chat_messages.chat_id).",
      message_id: "The message (chat_messages.message_id).",
      user_id:
        "The user who reacted. Reactions without a user (none seen in practice) are only in chat_messages.raw.",
      reaction_type:
        "A Unicode emoji, custom (an organization's custom reaction), or a legacy name: like, heart, laugh, surprised, sad, angry.",
      display_name:
        "The reaction's own name (e.g. a custom reaction's), not the user's; often NULL. Two custom reactions of one " +
        "user share the type custom and only the first is a row (both are in chat_messages.raw).",
      created_at: `When the reaction was added. ${NEVER}`,
      reaction_content_url:
        "For a custom reaction, the URL of its image (a hosted content); NULL otherwise.",
    },
  },
  chat_message_attachments: {
    table: `Attachments of messages: file links, cards, forwarded messages, quoted replies, code snippets. ${CURRENT_SET}`,
    columns: {
      chat_id: "The chat (chat_messages.chat_id).",
      message_id: "The message (chat_messages.message_id).",
      attachment_id:
        'Attachment id within the message; matches <attachment id="..."> in the HTML body.',
      content_type:
        "reference (a file link in content_url), forwardedMessageReference, messageReference (a quoted reply), " +
        "application/vnd.microsoft.card.adaptive and other card types, or whatever Graph sent.",
      content_url: "For a file, its URL (SharePoint or OneDrive); NULL otherwise.",
      name: "File name or attachment title; often NULL for cards.",
      thumbnail_url: "Thumbnail image URL when the attachment has one.",
      teams_app_id:
        "Id of the Teams app that produced the attachment (cards from bots); NULL otherwise.",
      content:
        "The attachment's content as Graph sent it: a card's JSON, a forwarded or quoted message; NULL for files " +
        "and with --no-message-bodies.",
    },
  },
} satisfies Comments;

/** Messages that count as someone saying something: not system events, not deleted. */
const SPOKEN = "m.message_type = 'message' and m.deleted_at is null";

const VIEWS = {
  chat_messages_daily: {
    table:
      "Messages per chat per day (UTC): volume, distinct senders, first and last message. A message counts when " +
      "messageType is message and it is not deleted; deleted messages and system events are counted apart.",
    columns: {
      chat_id: "The chat (chats.chat_id).",
      chat_type: "The chat's type (oneOnOne, group, meeting); NULL if the chat row is missing.",
      day: "The UTC calendar day the messages were sent.",
      messages: "Messages sent that day and not deleted (system events excluded).",
      senders: "Distinct users or apps who sent those messages.",
      deleted_messages: "Messages sent that day and deleted since.",
      system_events:
        "Rows that are not messages: system events (members added or removed, renames, calls), chat events, and values Graph added later.",
      first_message_at: "When the first counted message of the day was sent; NULL if none.",
      last_message_at: "When the last counted message of the day was sent; NULL if none.",
    },
    sql: sql`
      select m.chat_id,
             c.chat_type,
             (m.created_at at time zone 'UTC')::date as day,
             count(*) filter (where ${sql.raw(SPOKEN)}) as messages,
             count(distinct coalesce(m.from_user_id, m.from_application_id))
               filter (where ${sql.raw(SPOKEN)}) as senders,
             count(*) filter (where m.deleted_at is not null) as deleted_messages,
             count(*) filter (where m.message_type is distinct from 'message') as system_events,
             min(m.created_at) filter (where ${sql.raw(SPOKEN)}) as first_message_at,
             max(m.created_at) filter (where ${sql.raw(SPOKEN)}) as last_message_at
      from teams.chat_messages m
      left join teams.chats c on c.chat_id = m.chat_id
      where m.created_at is not null
      group by m.chat_id, c.chat_type, (m.created_at at time zone 'UTC')::date`,
  },
  one_on_one_reply_times: {
    table:
      "Reply times in one-on-one chats: for each message (not deleted, not a system event, with a sender), the first " +
      "later message by the other person and the delay. Consecutive messages by one person form a turn; for the " +
      "median first-reply time take the rows where starts_turn (from when someone started talking) or ends_turn " +
      "(from their last message), with reply_seconds not NULL.",
    columns: {
      chat_id: "The one-on-one chat (chats.chat_id).",
      message_id: "The message (chat_messages.message_id).",
      sender_id: "Who sent it (user id, or application id for a bot).",
      sent_at: "When it was sent.",
      starts_turn:
        "True when the previous message of the chat was by the other person (or there was none).",
      ends_turn:
        "True when the next message of the chat is by the other person (or there is none yet).",
      reply_message_id: "The other person's first message after this one; NULL while unanswered.",
      replier_id: "Who replied.",
      replied_at: "When the reply was sent.",
      reply_delay: "replied_at - sent_at, as an interval.",
      reply_seconds: "The same delay in seconds (for percentile_cont and averages).",
    },
    sql: sql`
      with counted as (
        select m.chat_id, m.message_id, m.created_at,
               coalesce(m.from_user_id, m.from_application_id) as sender_id
        from teams.chat_messages m
        join teams.chats c on c.chat_id = m.chat_id and c.chat_type = 'oneOnOne'
        where ${sql.raw(SPOKEN)} and m.created_at is not null
          and coalesce(m.from_user_id, m.from_application_id) is not null
      ),
      neighbours as (
        select counted.*,
               lag(sender_id) over w is distinct from sender_id as starts_turn,
               lead(sender_id) over w is distinct from sender_id as ends_turn
        from counted
        window w as (partition by chat_id order by created_at, message_id)
      ),
      turns as (
        select neighbours.*,
               count(*) filter (where starts_turn) over (
                 partition by chat_id order by created_at, message_id rows unbounded preceding
               ) as turn
        from neighbours
      )
      select m.chat_id,
             m.message_id,
             m.sender_id,
             m.created_at as sent_at,
             m.starts_turn,
             m.ends_turn,
             r.message_id as reply_message_id,
             r.sender_id as replier_id,
             r.created_at as replied_at,
             r.created_at - m.created_at as reply_delay,
             extract(epoch from r.created_at - m.created_at)::double precision as reply_seconds
      from turns m
      left join turns r on r.chat_id = m.chat_id and r.turn = m.turn + 1 and r.starts_turn`,
  },
} as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  const teams = db.schema.withSchema("teams");
  await teams
    .createTable("chat_messages")
    .addColumn("chat_id", "text", (c) => c.notNull())
    .addColumn("message_id", "text", (c) => c.notNull())
    .addColumn("message_type", "text")
    .addColumn("created_at", "timestamptz")
    .addColumn("last_modified_at", "timestamptz")
    .addColumn("last_modified_raw", "text")
    .addColumn("last_edited_at", "timestamptz")
    .addColumn("deleted_at", "timestamptz")
    .addColumn("subject", "text")
    .addColumn("importance", "text")
    .addColumn("etag", "text")
    .addColumn("web_url", "text")
    .addColumn("from_kind", "text")
    .addColumn("from_user_id", "text")
    .addColumn("from_application_id", "text")
    .addColumn("from_display_name", "text")
    .addColumn("from_identity_type", "text")
    .addColumn("body_content_type", "text")
    .addColumn("body_content", "text")
    .addColumn("body_text", "text")
    .addColumn("event_detail_type", "text")
    .addColumn("event_detail", "jsonb")
    .addColumn("policy_violation", "jsonb")
    .addColumn("raw", "jsonb", (c) => c.notNull())
    .addColumn("first_seen_at", "timestamptz", (c) => c.notNull())
    .addColumn("last_seen_at", "timestamptz", (c) => c.notNull())
    .addPrimaryKeyConstraint("chat_messages_pkey", ["chat_id", "message_id"])
    .execute();
  await teams
    .createTable("chat_message_mentions")
    .addColumn("chat_id", "text", (c) => c.notNull())
    .addColumn("message_id", "text", (c) => c.notNull())
    .addColumn("mention_id", "integer", (c) => c.notNull())
    .addColumn("mention_text", "text")
    .addColumn("mentioned_kind", "text")
    .addColumn("mentioned_id", "text")
    .addColumn("mentioned_display_name", "text")
    .addPrimaryKeyConstraint("chat_message_mentions_pkey", ["chat_id", "message_id", "mention_id"])
    .execute();
  await teams
    .createTable("chat_message_reactions")
    .addColumn("chat_id", "text", (c) => c.notNull())
    .addColumn("message_id", "text", (c) => c.notNull())
    .addColumn("user_id", "text", (c) => c.notNull())
    .addColumn("reaction_type", "text", (c) => c.notNull())
    .addColumn("display_name", "text")
    .addColumn("created_at", "timestamptz")
    .addColumn("reaction_content_url", "text")
    .addPrimaryKeyConstraint("chat_message_reactions_pkey", [
      "chat_id",
      "message_id",
      "user_id",
      "reaction_type",
    ])
    .execute();
  await teams
    .createTable("chat_message_attachments")
    .addColumn("chat_id", "text", (c) => c.notNull())
    .addColumn("message_id", "text", (c) => c.notNull())
    .addColumn("attachment_id", "text", (c) => c.notNull())
    .addColumn("content_type", "text")
    .addColumn("content_url", "text")
    .addColumn("name", "text")
    .addColumn("thumbnail_url", "text")
    .addColumn("teams_app_id", "text")
    .addColumn("content", "text")
    .addPrimaryKeyConstraint("chat_message_attachments_pkey", [
      "chat_id",
      "message_id",
      "attachment_id",
    ])
    .execute();

  // Lean on purpose: every index is paid by each of millions of inserts. Activity over
  // time (tenant-wide and per chat, which the views' windows also walk) and per sender.
  // Mentions, reactions and attachments are read whole or through their keys.
  await teams
    .createIndex("chat_messages_created_at_idx")
    .on("chat_messages")
    .column("created_at")
    .execute();
  await teams
    .createIndex("chat_messages_chat_id_created_at_idx")
    .on("chat_messages")
    .columns(["chat_id", "created_at"])
    .execute();
  await teams
    .createIndex("chat_messages_from_user_id_idx")
    .on("chat_messages")
    .column("from_user_id")
    .execute();

  for (const [name, view] of Object.entries(VIEWS)) {
    await sql`create view ${sql.table(`teams.${name}`)} as ${view.sql}`.execute(db);
  }
  await comment(db, TABLES, "table");
  await comment(db, VIEWS, "view");
  // The reader role's default privileges cover tables this migrating user creates; a
  // role an admin created by hand after that migration may lack them: grant explicitly.
  const names = [...Object.keys(TABLES), ...Object.keys(VIEWS)].map((n) => `teams.${n}`);
  await sql`
    do $$
    begin
      if exists (select from pg_roles where rolname = 'teams_reader') then
        grant select on ${sql.raw(names.join(", "))} to teams_reader;
      end if;
    end
    $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const name of Object.keys(VIEWS)) {
    await sql`drop view if exists ${sql.table(`teams.${name}`)}`.execute(db);
  }
  for (const table of Object.keys(TABLES).reverse()) {
    await db.schema.withSchema("teams").dropTable(table).ifExists().execute();
  }
}

async function comment(db: Kysely<unknown>, comments: Comments, kind: "table" | "view") {
  for (const [name, { table: text, columns }] of Object.entries(comments)) {
    const target = sql.table(`teams.${name}`);
    await sql`comment on ${sql.raw(kind)} ${target} is ${sql.lit(text)}`.execute(db);
    for (const [column, columnText] of Object.entries(columns)) {
      await sql`comment on column ${sql.ref(`teams.${name}.${column}`)} is ${sql.lit(columnText)}`.execute(
        db,
      );
    }
  }
}
