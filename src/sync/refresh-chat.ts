import { normalizeListedChat } from "../normalize/index.ts";
import type { ListedChat } from "../normalize/rows.ts";
import { loadBatch } from "./chat-batches.ts";
import { completeFollowUps } from "./follow-ups.ts";
import { readChatHistory } from "./messages/chat-history.ts";
import type { GraphCall, Stream } from "./ports.ts";
import type { RunContext } from "./run-context.ts";
import type { UserOutcome } from "./sync-user.ts";

/** Who a `--chats` refresh is done for: named on its rejects and failures. */
export const CHATS_REFRESH = "(--chats)";

/**
 * `GET /chats/{id}` with its members expanded: a chat as the app sees it (app-only, so
 * without any user's viewpoint; the last message preview comes only with a user's listing).
 */
export function getChatCall(chatId: string): GraphCall {
  return {
    version: "v1.0",
    path: ["chats", { id: chatId, what: "chat id" }],
    query: "$expand=members",
    scope: "getChat",
    stream: "chats",
    chatId,
    listing: `chat ${chatId}`,
  };
}

/**
 * `--chats`: one chat refreshed whole, outside any user's listing: the chat, its members
 * and operations (fetched whatever the marks say) and, with the messages stream, its
 * history (from --messages-since). Only the chat's shared rows are written: no viewpoint,
 * watermark or deletion sweep, which need a user's complete listing.
 */
export async function refreshChat(run: RunContext, chatId: string): Promise<UserOutcome> {
  const item = await run.graph.getObject(getChatCall(chatId));
  const result = normalizeListedChat(item, CHATS_REFRESH, run.normalize);
  const outcome = {
    userId: chatId,
    chats: 1,
    members: 0,
    previews: 0,
    operations: 0,
    rejects: [] as UserOutcome["rejects"],
    written: { inserted: 0, updated: 0, removed: 0 },
    followUpFailures: [] as UserOutcome["followUpFailures"],
  };
  if (!result.ok) {
    const written = await run.warehouse.loadChats({
      runId: run.runId,
      userId: CHATS_REFRESH,
      seenAt: run.now(),
      chats: [],
      followUps: [],
      rejects: [result.rejected],
    });
    return { ...outcome, rejects: [result.rejected], written };
  }
  for (const warning of result.warnings) run.logger.warn({ chatId }, warning);
  const listed = refreshed(result.value, run.options.streams);
  const claim = run.claims.claim(listed.chat.chat_id);
  if (!claim) return outcome; // listed twice in --chats: once is enough
  run.chatsSeen.add(listed.chat.chat_id);
  const claimed = [{ listed, claim }];
  const load = await loadBatch(run, CHATS_REFRESH, [
    { claimed, followUps: completeFollowUps(run, CHATS_REFRESH, claimed) },
  ]);
  const messages = run.messages;
  if (messages) {
    const read = messages.cursors.chats.has(listed.chat.chat_id);
    messages.schedule(CHATS_REFRESH, () =>
      readChatHistory(
        messages,
        listed.chat.chat_id,
        CHATS_REFRESH,
        run.options.messagesSince,
        !read,
      ),
    );
  }
  return {
    ...outcome,
    members: load.members,
    operations: load.operations,
    rejects: load.rejects,
    written: load.written,
    followUpFailures: load.failures,
  };
}

/** A chat read by id: no viewpoint, and members only when the members stream runs. */
function refreshed(listed: ListedChat, streams: ReadonlySet<Stream>): ListedChat {
  const members = streams.has("members") ? listed.members : null;
  return {
    ...listed,
    viewpoint: null,
    members,
    membersMayBeTruncated: members ? listed.membersMayBeTruncated : false,
    preview: null,
  };
}
