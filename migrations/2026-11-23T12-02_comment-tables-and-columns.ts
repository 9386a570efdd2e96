import { sql, type Kysely } from "kysely";

// BI tools show these comments next to tables and columns, so they say what a value
// means for someone writing SQL, not how the loader works.

type Comments = Record<string, { table: string; columns: Record<string, string> }>;

const SEEN_FIRST = "When a sync first wrote this row.";
const SEEN_LAST =
  "When a sync last wrote this row: on insert, when its content changed, or when it came back after being removed. " +
  "A sync that finds the row unchanged does not write it (an unchanged tenant costs zero writes), so this is " +
  "'last changed or reappeared', not 'last confirmed present'; whether it is still present is shown by removed_at / deleted_at being NULL.";
const NEVER = "NULL when Graph sent nothing or its 0001-01-01 'never' sentinel.";

const COMMENTS: Comments = {
  chats: {
    table:
      "One row per Teams chat seen in any synced user's chat list (GET /users/{id}/chats). Per chat, not per user: " +
      "what each user sees of it (hidden, read up to) is in user_chats.",
    columns: {
      chat_id: "Graph chat id, e.g. 19:...@thread.v2.",
      tenant_id: "Id of the Microsoft Entra tenant the chat was created in.",
      chat_type:
        "oneOnOne, group, meeting, or whatever Graph sent (unknown future values kept as sent).",
      topic: "Chat title; NULL for one-on-one chats and untitled group chats.",
      web_url: "Link that opens the chat in Teams (opaque).",
      created_at: `When the chat was created (createdDateTime). ${NEVER}`,
      last_updated_at:
        "lastUpdatedDateTime: when the chat was renamed or its member list last changed. A new message does NOT move it, " +
        "and Graph is known to report it inconsistently.",
      last_updated_raw:
        "lastUpdatedDateTime exactly as Graph sent it, keeping all 7 fractional digits (timestamptz keeps 6).",
      is_hidden_for_all_members:
        "Whether the chat is hidden for all its members (isHiddenForAllMembers).",
      migration_mode:
        "migrationMode: inProgress while messages are being imported into the chat, completed afterwards, NULL for chats never imported.",
      original_created_at: `For an imported chat, when it was created in the source system (originalCreatedDateTime). ${NEVER}`,
      meeting_join_url: "For a meeting chat, the URL to join the online meeting; NULL otherwise.",
      meeting_calendar_event_id:
        "For a meeting chat, the id of the meeting's calendar event; NULL otherwise.",
      meeting_organizer_id:
        "For a meeting chat, the user id of the meeting organizer; NULL otherwise.",
      last_message_id:
        "Id of the newest message according to the last chat list read (its preview is in message_previews); NULL for a chat without messages.",
      last_message_at: `When that newest message was created. ${NEVER}`,
      raw: "The chat object as Graph sent it, without the members / lastMessagePreview expansions and without the per-user viewpoint.",
      first_seen_at: SEEN_FIRST,
      last_seen_at: SEEN_LAST,
      deleted_at:
        "When the chat was found gone from the full chat list of every synced user that had it (set at the end of a run); " +
        "NULL while at least one synced user still has it. Cleared if it reappears.",
    },
  },
  chat_members: {
    table:
      "Members of each chat (conversationMember), keyed by chat: membership ids are opaque and repeat across chats. " +
      "Rows are never deleted; a member gone from the chat's complete member list gets removed_at.",
    columns: {
      chat_id: "The chat (chats.chat_id).",
      membership_id: "Graph's conversationMember id; unique only within its chat.",
      member_type:
        "Member subtype from @odata.type without the #microsoft.graph. prefix, e.g. aadUserConversationMember, anonymousGuestConversationMember.",
      user_id:
        "Microsoft Entra user id (or other user id the subtype carries); NULL for members without one (anonymous, phone, skype).",
      display_name: "Member's display name as Graph sent it.",
      email: "Member's email; often NULL (guests, some subtypes).",
      tenant_id: "Home tenant of the member; differs from the chat's tenant for external users.",
      roles: "Member roles: owner, guest, or empty.",
      visible_history_start_at: `From when the member can see the chat's history. ${NEVER} (never / from the beginning).`,
      raw: "The member as Graph sent it, including subtype fields such as anonymousGuestId, skypeId or phoneNumber.",
      first_seen_at: SEEN_FIRST,
      last_seen_at: SEEN_LAST,
      removed_at:
        "When the member was found missing from the chat's complete member list; NULL while a member. " +
        "Cleared when the member is seen again. Never set from a possibly cut list (the members expansion returns at most 25).",
    },
  },
  user_chats: {
    table:
      "Per-user viewpoint: one row per (user, chat) in that user's chat list, with what only that user sees " +
      "(hidden, read up to). The same chat has one row per synced member.",
    columns: {
      user_id: "The synced user whose chat list contained the chat.",
      chat_id: "The chat (chats.chat_id).",
      is_hidden:
        "Whether this user has hidden the chat (viewpoint.isHidden); NULL when Graph sent no viewpoint.",
      last_message_read_at: `Up to when this user has read the chat (viewpoint.lastMessageReadDateTime). ${NEVER}`,
      first_seen_at: SEEN_FIRST,
      last_seen_at: SEEN_LAST,
      removed_at:
        "When the chat was missing from this user's complete chat list (the user left or lost it); NULL while listed. " +
        "The row keeps the last viewpoint seen. Cleared when the chat is listed again.",
    },
  },
  message_previews: {
    table:
      "Every last-message preview ever seen in a chat list (lastMessagePreview). Kept forever, so it accumulates a " +
      "SAMPLE of chat activity (the newest message at each sync), not a complete message history.",
    columns: {
      chat_id: "The chat (chats.chat_id).",
      message_id: "Graph message id; unique within its chat.",
      created_at: `When the message was created. ${NEVER}`,
      is_deleted: "Whether the message had been deleted when last seen.",
      message_type: "message, chatEvent, typing, systemEventMessage, or whatever Graph sent.",
      body_content_type: "text or html.",
      body_content: "Message body as Graph sent it in the preview (may be shortened by Graph).",
      from_kind: "Which identity sent it: user, application, device; NULL for system messages.",
      from_user_id: "Sender's user id when a user sent it.",
      from_application_id: "Sender's application id when an app or bot sent it.",
      from_identity_type:
        "userIdentityType / applicationIdentityType of the sender (aadUser, bot, tenantBot, ...).",
      from_display_name: "Sender's display name.",
      event_detail_type:
        "For system event messages, the event type from @odata.type without prefix, e.g. membersAddedEventMessageDetail; NULL otherwise.",
      event_detail: "For system event messages, the event detail as Graph sent it; NULL otherwise.",
      first_seen_at: SEEN_FIRST,
      last_seen_at: SEEN_LAST,
    },
  },
  chat_operations: {
    table:
      "Async operations of chats (teamsAsyncOperation, GET /beta/chats/{id}/operations). Operations not ended " +
      "(notStarted, inProgress) are polled again each run until they end.",
    columns: {
      operation_id: "Graph operation id.",
      chat_id: "The chat the operation belongs to (chats.chat_id).",
      operation_type: "e.g. createChat, or whatever Graph sent.",
      status: "invalid, notStarted, inProgress, succeeded, failed, or whatever Graph sent.",
      created_at: `When the operation was created. ${NEVER}`,
      last_action_at: `When the operation last changed. ${NEVER}`,
      attempts_count: "How many times Graph has attempted the operation.",
      target_resource_id: "Id of the object the operation created or modified.",
      target_resource_location: "URL of that object (opaque).",
      error_code: "Error code when the operation failed; NULL otherwise.",
      error_message: "Error message when the operation failed; NULL otherwise.",
      raw: "The operation as Graph sent it.",
      first_seen_at: SEEN_FIRST,
      last_seen_at: SEEN_LAST,
    },
  },
  sync_runs: {
    table: "One row per sync or backfill run, with its outcome and counts.",
    columns: {
      run_id: "Run number, increasing in start order.",
      started_at: "When the run started.",
      finished_at:
        "When the run ended; NULL while running (or if the process died: see status and pid).",
      trigger: "What started the run: manual, cron (the scheduler) or backfill.",
      status:
        "running; succeeded (every user synced); partial (some users failed, the rest committed); failed (nothing usable, see error).",
      users_total: "Users the run set out to sync.",
      users_succeeded: "Users whose results were committed.",
      users_failed: "Users that failed (see sync_failures).",
      chats_seen: "Chats listed across all users (a chat shared by n users counts n times).",
      requests: "HTTP requests made to Graph.",
      throttled: "Graph responses that asked to slow down (429, or 503/504 with Retry-After).",
      rows_written: "Warehouse rows inserted or changed; 0 for a run over an unchanged tenant.",
      rejects: "Items Graph returned that could not be turned into rows (see sync_rejects).",
      streams: "Streams the run synced: a subset of chats, members, previews, operations.",
      options: "The run's effective options (users, concurrency, dry run...), without secrets.",
      error: "Why the run failed, for status failed; NULL otherwise.",
      pid: "Process id of the process running it (to tell a live run from a crashed one).",
      host: "Host name of the machine running it.",
    },
  },
  sync_watermarks: {
    table:
      "Per user and stream, the newest chat lastUpdatedDateTime loaded; it decides which chats get their members and " +
      "operations fetched again. Committed in the same transaction as the user's rows and never moves backwards.",
    columns: {
      stream: "Stream the watermark belongs to (e.g. chats).",
      user_id: "The synced user.",
      watermark:
        "Newest lastUpdatedDateTime loaded for the user; NULL when none was loaded yet (next sync is full).",
      watermark_raw: "The same value exactly as Graph sent it (7 fractional digits kept).",
      run_id: "Run that last moved the watermark.",
      updated_at: "When the watermark last moved.",
    },
  },
  sync_failures: {
    table:
      "Failures of a run, per user and stream (a failed user's rows were not committed). Never holds tokens.",
    columns: {
      id: "Failure number.",
      run_id: "The run (sync_runs.run_id).",
      user_id: "User whose sync failed; NULL for a failure not tied to a user.",
      stream: "Stream being synced when it failed; NULL when not tied to one.",
      http_status:
        "HTTP status Graph answered, 0 for a network error; NULL for a non-HTTP failure (e.g. database).",
      error: "What failed, as a message.",
      error_code: "Machine-readable code: Graph error code or Postgres SQLSTATE; NULL when none.",
      request_id:
        "Graph request-id of the failing response, for Microsoft support; NULL when none.",
      at: "When the failure was recorded.",
    },
  },
  sync_rejects: {
    table:
      "Dead letters: items Graph returned that could not be turned into rows (missing id, bad timestamp...). " +
      "Logged per run; the rest of the user's data was loaded.",
    columns: {
      id: "Reject number.",
      run_id: "The run (sync_runs.run_id).",
      user_id: "User whose data contained the item.",
      kind: "What kind of item: chat, member, operation, user.",
      context: "Where it came from (a user id, a chat id), to find it again.",
      reason: "What was wrong with it.",
      raw: "The item as Graph sent it.",
      at: "When it was recorded.",
    },
  },
  sync_run_users: {
    table:
      "Progress of each user within a run; a user's succeeded row commits with its data, so a crashed backfill " +
      "resumes with the users not yet succeeded.",
    columns: {
      run_id: "The run (sync_runs.run_id).",
      user_id: "The synced user.",
      status: "running, succeeded (rows committed), failed (see sync_failures).",
      started_at: "When the user's sync started.",
      finished_at: "When it ended; NULL while running.",
      chats_seen: "Chats in the user's list.",
      rows_written: "Warehouse rows inserted or changed for this user.",
      error: "Why it failed; NULL otherwise.",
    },
  },
};

const MIGRATOR_TABLES: Comments = {
  kysely_migration: {
    table: "Schema migrations applied to this database (bookkeeping of the Kysely migrator).",
    columns: { name: "Migration file name.", timestamp: "When it was applied." },
  },
  kysely_migration_lock: {
    table: "Lock row that keeps two processes from migrating at once (Kysely migrator).",
    columns: { id: "Lock id.", is_locked: "1 while a migration runs." },
  },
};

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`comment on schema teams is ${sql.lit(
    "Microsoft Teams chats exported from Microsoft Graph by teams-chat-sync.",
  )}`.execute(db);
  await comment(db, COMMENTS);
  // The migrator's tables live in this schema too (and show up in BI tools), but it
  // may be configured elsewhere: comment them only where they are.
  const { rows } = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = 'teams' and table_name in ('kysely_migration', 'kysely_migration_lock')`.execute(
    db,
  );
  const present = new Set(rows.map((r) => r.name));
  await comment(
    db,
    Object.fromEntries(Object.entries(MIGRATOR_TABLES).filter(([t]) => present.has(t))),
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const [table, { columns }] of Object.entries(COMMENTS)) {
    await sql`comment on table ${sql.table(`teams.${table}`)} is null`.execute(db);
    for (const column of Object.keys(columns)) {
      await sql`comment on column ${sql.ref(`teams.${table}.${column}`)} is null`.execute(db);
    }
  }
}

async function comment(db: Kysely<unknown>, comments: Comments): Promise<void> {
  for (const [table, { table: text, columns }] of Object.entries(comments)) {
    await sql`comment on table ${sql.table(`teams.${table}`)} is ${sql.lit(text)}`.execute(db);
    for (const [column, columnText] of Object.entries(columns)) {
      await sql`comment on column ${sql.ref(`teams.${table}.${column}`)} is ${sql.lit(columnText)}`.execute(
        db,
      );
    }
  }
}
