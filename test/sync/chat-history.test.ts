/**
 * A chat's history is read at Graph's pace, not the database's: its next pages are
 * fetched while earlier ones commit, and its cursor commits only once every page has.
 */
import { sql } from "kysely";
import { describe, expect, it, vi } from "vitest";
import { createGraphExtractor, defineGraphConfig } from "../../src/extract/index.ts";
import type { MessagePage, WriteCounts } from "../../src/load/index.ts";
import { createLogger } from "../../src/log.ts";
import type { Simulator } from "../../src/sim/index.ts";
import { graphSource } from "../../src/sync/graph-source.ts";
import { PAGE_LOADS } from "../../src/sync/messages/page-loop.ts";
import { pgWarehouse } from "../../src/sync/pg-warehouse.ts";
import { runSync, type RunSummary } from "../../src/sync/run-sync.ts";
import type { Warehouse } from "../../src/sync/warehouse.ts";
import { messagesTruth, storedMessages } from "../support/messages-truth.ts";
import { syncOptions, useSimulators, useSimWarehouse } from "../support/sim-warehouse.ts";

const warehouse = useSimWarehouse();
// The first chat holds 600-720 messages (12+ pages); every other chat a message or two.
const simulator = useSimulators({
  users: 4,
  seed: 5,
  messages: { perChat: 1, largestChat: 600, busyChats: 0 },
});
const WITH_MESSAGES = new Set(["chats", "members", "previews", "operations", "messages"] as const);

/** The chat with the most messages. */
function largestChat(sim: Simulator): string {
  const chats = sim.state().chats.map((c) => ({ id: c.id, n: sim.tenant.messageCount(c.id) }));
  chats.sort((a, b) => b.n - a.n);
  return chats[0]?.id ?? "";
}

function historyRequests(sim: Simulator, chatId: string): number {
  return sim.stats().log.filter((e) => e.routeKind === "listMessages" && e.chatId === chatId)
    .length;
}

function chatOf(page: MessagePage): string | undefined {
  return page.messages[0]?.message.chat_id;
}

/** One run into the test database through `wrap(pgWarehouse)`. */
async function syncThrough(
  sim: Simulator,
  wrap: (inner: Warehouse) => Warehouse,
): Promise<RunSummary> {
  const extractor = createGraphExtractor(
    defineGraphConfig({
      baseUrl: sim.url,
      auth: { kind: "static", token: sim.token },
      requestTimeoutMs: 10_000,
      rateLimits: { scale: 0 },
    }),
  );
  return runSync(
    {
      graph: graphSource(extractor),
      warehouse: wrap(pgWarehouse(warehouse.db)),
      logger: createLogger({ level: "silent" }),
    },
    await syncOptions({ streams: WITH_MESSAGES }),
  );
}

async function chatCursor(chatId: string): Promise<string | null | undefined> {
  const { rows } = await sql<{ last_modified_raw: string | null }>`
    select last_modified_raw from teams.sync_message_cursors
    where scope = 'chat' and id = ${chatId}`.execute(warehouse.db);
  return rows[0]?.last_modified_raw;
}

describe("reading a chat's history", () => {
  it("fetches the next pages while earlier pages commit", async () => {
    await warehouse.reset();
    const sim = await simulator();
    const chatId = largestChat(sim);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const run = syncThrough(sim, (inner) => ({
      ...inner,
      // The big chat's commits wait: its read may not.
      async loadMessages(page) {
        if (chatOf(page) === chatId) await released;
        return inner.loadMessages(page);
      },
    }));
    try {
      // The first page, and the next ones while the first PAGE_LOADS commits are held.
      await vi.waitFor(() => expect(historyRequests(sim, chatId)).toBe(PAGE_LOADS + 1), {
        timeout: 20_000,
        interval: 50,
      });
    } finally {
      release();
    }
    const summary = await run;
    expect(summary.status).toBe("succeeded");
    expect(historyRequests(sim, chatId)).toBeGreaterThan(PAGE_LOADS + 1);
    expect(await storedMessages(warehouse.db)).toEqual(messagesTruth(sim));
  });

  it("commits the chat's cursor only after every earlier page, and none when a page fails", async () => {
    await warehouse.reset();
    const sim = await simulator();
    const chatId = largestChat(sim);
    const committed: { cursor: boolean; before: number }[] = [];
    let done = 0;
    let loads = 0;
    const failing = await syncThrough(sim, (inner) => ({
      ...inner,
      async loadMessages(page): Promise<WriteCounts> {
        if (chatOf(page) !== chatId && page.cursor?.id !== chatId) return inner.loadMessages(page);
        // The second page fails after a while, with later pages already being committed.
        if (++loads === 2) {
          await new Promise((resolve) => setTimeout(resolve, 200));
          throw new Error("the page's commit failed");
        }
        return inner.loadMessages(page);
      },
    }));
    expect(failing.status).toBe("partial");
    expect(await chatCursor(chatId)).toBeUndefined();

    // The rerun reads the chat again: its last page commits after every other.
    const rerun = await syncThrough(sim, (inner) => ({
      ...inner,
      async loadMessages(page): Promise<WriteCounts> {
        if (chatOf(page) !== chatId && page.cursor?.id !== chatId) return inner.loadMessages(page);
        committed.push({ cursor: page.cursor !== undefined, before: done });
        // Earlier pages take longer than later ones: only an ordered cursor survives this.
        await new Promise((resolve) => setTimeout(resolve, page.cursor ? 0 : 30));
        const written = await inner.loadMessages(page);
        done++;
        return written;
      },
    }));
    expect(rerun.status).toBe("succeeded");
    const last = committed.at(-1);
    expect(last).toEqual({ cursor: true, before: committed.length - 1 });
    expect(committed.filter((c) => c.cursor)).toHaveLength(1);
    expect(await chatCursor(chatId)).toEqual(expect.any(String));
    expect(await storedMessages(warehouse.db)).toEqual(messagesTruth(sim));
  });
});
