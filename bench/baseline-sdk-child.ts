/**
 * The baseline: the sync as a user would write it with the official SDK. One user after
 * another, PageIterator over /users/{id}/chats?$top=50&$expand=members,lastMessagePreview,
 * GET /chats/{id}/members (paged) for chats showing 25 expanded members, and one
 * INSERT … ON CONFLICT per row through pg. Prints {seconds, …} as its last stdout line.
 *
 * The SDK only recognises https URLs (GraphRequest.parsePath and customHosts both match
 * "https://"), so it runs against the simulator with TLS, trusting its CA through
 * NODE_EXTRA_CA_CERTS, which the parent sets.
 *
 *   BENCH_GRAPH_TOKEN=… NODE_EXTRA_CA_CERTS=ca.pem node --import tsx \
 *     bench/baseline-sdk-child.ts --graph-url https://127.0.0.1:port --database-url URL --users id,id
 */
import { Client, PageIterator, type PageCollection } from "@microsoft/microsoft-graph-client";
import type {
  AadUserConversationMember,
  Chat,
  ChatMessageInfo,
  ConversationMember,
} from "@microsoft/microsoft-graph-types";
import { parseArgs } from "node:util";
import pg from "pg";

const { values } = parseArgs({
  options: {
    "graph-url": { type: "string" },
    "database-url": { type: "string" },
    users: { type: "string" },
  },
});
const graphUrl = values["graph-url"];
const token = process.env.BENCH_GRAPH_TOKEN;
if (!graphUrl || !values["database-url"] || !values.users || !token) {
  console.error("usage: baseline-sdk-child.ts --graph-url URL --database-url URL --users id,id");
  process.exit(2);
}

const client = Client.init({
  authProvider: (done) => done(null, token),
  baseUrl: graphUrl,
  defaultVersion: "v1.0",
  customHosts: new Set([new URL(graphUrl).hostname]),
});
const db = new pg.Client({ connectionString: values["database-url"] });
await db.connect();

let requests = 0;
let rows = 0;
const started = performance.now();
try {
  for (const userId of values.users.split(",")) await syncUser(userId);
} finally {
  await db.end();
}
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ seconds, requests, rows })}\n`);

async function syncUser(userId: string): Promise<void> {
  const chats: Chat[] = [];
  requests++;
  const first = (await client
    .api(`/users/${userId}/chats?$top=50&$expand=members,lastMessagePreview`)
    .get()) as PageCollection;
  const pages = new PageIterator(client, first, (chat: Chat) => {
    chats.push(chat);
    return true;
  });
  await pages.iterate();
  requests += countPages(chats.length);
  const now = new Date();
  for (const chat of chats) {
    let members = (chat.members ?? []) as ConversationMember[];
    if (members.length === 25) members = await allMembers(chat.id ?? "");
    await upsertChat(chat, now);
    await upsertUserChat(userId, chat, now);
    if (chat.lastMessagePreview) await upsertPreview(chat.id ?? "", chat.lastMessagePreview, now);
    for (const member of members) await upsertMember(chat.id ?? "", member, now);
  }
}

/** Pages after the first (the first is counted before the iterator runs). */
function countPages(items: number): number {
  return Math.max(0, Math.ceil(items / 50) - 1);
}

async function allMembers(chatId: string): Promise<ConversationMember[]> {
  const members: ConversationMember[] = [];
  requests++;
  const first = (await client.api(`/chats/${chatId}/members`).get()) as PageCollection;
  const pages = new PageIterator(client, first, (member: ConversationMember) => {
    members.push(member);
    return true;
  });
  await pages.iterate();
  return members;
}

async function upsertChat(chat: Chat, now: Date): Promise<void> {
  const raw = { ...chat, members: undefined, lastMessagePreview: undefined };
  rows++;
  await db.query(
    `insert into teams.chats (chat_id, tenant_id, chat_type, topic, web_url, created_at,
       last_updated_at, last_updated_raw, is_hidden_for_all_members, raw, first_seen_at, last_seen_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
     on conflict (chat_id) do update set topic = excluded.topic,
       last_updated_at = excluded.last_updated_at, raw = excluded.raw,
       last_seen_at = excluded.last_seen_at`,
    [
      chat.id,
      chat.tenantId,
      chat.chatType,
      chat.topic,
      chat.webUrl,
      chat.createdDateTime,
      chat.lastUpdatedDateTime,
      chat.lastUpdatedDateTime,
      chat.isHiddenForAllMembers ?? null,
      JSON.stringify(raw),
      now,
    ],
  );
}

async function upsertUserChat(userId: string, chat: Chat, now: Date): Promise<void> {
  const viewpoint =
    chat.viewpoint ?? (chat as { chatViewpoint?: Chat["viewpoint"] }).chatViewpoint ?? null;
  rows++;
  await db.query(
    `insert into teams.user_chats (user_id, chat_id, is_hidden, last_message_read_at, first_seen_at, last_seen_at)
     values ($1, $2, $3, $4, $5, $5)
     on conflict (user_id, chat_id) do update set is_hidden = excluded.is_hidden,
       last_message_read_at = excluded.last_message_read_at, last_seen_at = excluded.last_seen_at`,
    [userId, chat.id, viewpoint?.isHidden ?? null, viewpoint?.lastMessageReadDateTime ?? null, now],
  );
}

async function upsertPreview(chatId: string, preview: ChatMessageInfo, now: Date): Promise<void> {
  rows++;
  await db.query(
    `insert into teams.message_previews (chat_id, message_id, created_at, is_deleted, message_type,
       body_content_type, body_content, from_user_id, from_display_name, first_seen_at, last_seen_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
     on conflict (chat_id, message_id) do update set last_seen_at = excluded.last_seen_at`,
    [
      chatId,
      preview.id,
      preview.createdDateTime,
      preview.isDeleted ?? null,
      preview.messageType,
      preview.body?.contentType ?? null,
      preview.body?.content ?? null,
      preview.from?.user?.id ?? null,
      preview.from?.user?.displayName ?? null,
      now,
    ],
  );
}

async function upsertMember(chatId: string, member: ConversationMember, now: Date): Promise<void> {
  const aad = member as AadUserConversationMember;
  rows++;
  await db.query(
    `insert into teams.chat_members (chat_id, membership_id, member_type, user_id, display_name,
       email, tenant_id, roles, visible_history_start_at, raw, first_seen_at, last_seen_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
     on conflict (chat_id, membership_id) do update set display_name = excluded.display_name,
       roles = excluded.roles, raw = excluded.raw, last_seen_at = excluded.last_seen_at`,
    [
      chatId,
      member.id,
      (member as { "@odata.type"?: string })["@odata.type"] ?? null,
      aad.userId ?? null,
      member.displayName ?? null,
      aad.email ?? null,
      aad.tenantId ?? null,
      member.roles ?? [],
      member.visibleHistoryStartDateTime ?? null,
      JSON.stringify(member),
      now,
    ],
  );
}
