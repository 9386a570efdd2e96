import { sql, type Kysely } from "kysely";

// one_on_one_reply_times found each message's reply by joining the chat's turns to
// themselves on (chat, turn + 1). Until the tables had statistics, Postgres planned that
// join as a nested loop over every pair of a chat's messages (figures in
// docs/decisions.md), whereas window functions alone read each message once, whatever
// the statistics say. The view now carries the
// next turn's first message along the turn's starts (lead over the starts) and spreads
// it over the turn (a max over the turn's partition): no join, the same rows. Its columns
// and comments stay; CREATE OR REPLACE resets a view's options, so security_invoker is
// set again where the server has it. Migrations never import app code.

const SELECTED = `
  with counted as (
    select m.chat_id, m.message_id, m.created_at,
           coalesce(m.from_user_id, m.from_application_id) as sender_id
    from teams.chat_messages m
    join teams.chats c on c.chat_id = m.chat_id and c.chat_type = 'oneOnOne'
    where m.message_type = 'message' and m.deleted_at is null and m.created_at is not null
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
  )`;

const BY_WINDOWS = `${SELECTED},
  -- Among a chat's turn starts, each one's next is the next turn's first message.
  nexts as (
    select turns.*,
           lead(message_id) over s as next_id,
           lead(sender_id) over s as next_sender,
           lead(created_at) over s as next_at
    from turns
    window s as (partition by chat_id, starts_turn order by created_at, message_id)
  ),
  replies as (
    select nexts.*,
           max(next_id) filter (where starts_turn) over t as reply_message_id,
           max(next_sender) filter (where starts_turn) over t as replier_id,
           max(next_at) filter (where starts_turn) over t as replied_at
    from nexts
    window t as (partition by chat_id, turn)
  )
  select chat_id, message_id, sender_id, created_at as sent_at, starts_turn, ends_turn,
         reply_message_id, replier_id, replied_at, replied_at - created_at as reply_delay,
         extract(epoch from replied_at - created_at)::double precision as reply_seconds
  from replies`;

const BY_SELF_JOIN = `${SELECTED}
  select m.chat_id, m.message_id, m.sender_id, m.created_at as sent_at, m.starts_turn,
         m.ends_turn, r.message_id as reply_message_id, r.sender_id as replier_id,
         r.created_at as replied_at, r.created_at - m.created_at as reply_delay,
         extract(epoch from r.created_at - m.created_at)::double precision as reply_seconds
  from turns m
  left join turns r on r.chat_id = m.chat_id and r.turn = m.turn + 1 and r.starts_turn`;

async function replaceView(db: Kysely<unknown>, body: string): Promise<void> {
  const { rows } = await sql<{ v: number }>`
    select current_setting('server_version_num')::int as v`.execute(db);
  const options = (rows[0]?.v ?? 0) >= 150000 ? "with (security_invoker = true) " : "";
  await sql
    .raw(`create or replace view teams.one_on_one_reply_times ${options}as ${body}`)
    .execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await replaceView(db, BY_WINDOWS);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await replaceView(db, BY_SELF_JOIN);
}
