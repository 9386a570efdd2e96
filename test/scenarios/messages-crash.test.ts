/**
 * Crash safety of the messages stream: the real binary, syncing messages, is SIGKILLed at
 * seeded points (after a random number of messages committed), then run again. After each
 * kill, a chat whose history cursor committed holds every message of it (the cursor commits
 * with the last page); after the rerun the warehouse holds exactly the simulator's messages.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Simulator } from "../../src/sim/index.ts";
import { startSimulator } from "../../src/sim/index.ts";
import { runCli, startCli } from "../support/cli.ts";
import { killWhen, seededRandom } from "../support/killable-cli.ts";
import { messagesTruth, storedMessages } from "../support/messages-truth.ts";
import { useSimWarehouse } from "../support/sim-warehouse.ts";

const warehouse = useSimWarehouse();
const FLAGS = [
  "--streams",
  "chats,members,previews,operations,messages",
  "--rate-scale",
  "0",
  "--concurrency",
  "2",
];

describe("a messages sync killed mid-run", () => {
  let sim: Simulator;
  const random = seededRandom(20261207);
  const env = (): Record<string, string> => ({
    DATABASE_URL: warehouse.url,
    GRAPH_BASE_URL: sim.url,
    GRAPH_ACCESS_TOKEN: sim.token,
    LOG_LEVEL: "warn",
  });

  beforeAll(async () => {
    await warehouse.reset();
    sim = await startSimulator({
      users: 8,
      seed: 3,
      rateScale: 0,
      latencyMs: 15,
      messages: { perChat: 12, largestChat: 400, busyChats: 1 },
    });
  });
  afterAll(async () => {
    await sim.close();
  });

  async function messageCount(): Promise<number> {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from teams.chat_messages`.execute(warehouse.db);
    return rows[0]?.n ?? 0;
  }

  /** Chats whose cursor committed: each must hold its whole history already. */
  async function expectCursorsCoverTheirChats(): Promise<void> {
    const { rows } = await sql<{ id: string }>`
      select id from teams.sync_message_cursors where scope = 'chat'`.execute(warehouse.db);
    const stored = await storedMessages(warehouse.db);
    const truth = messagesTruth(sim);
    for (const { id } of rows) {
      expect(
        stored.filter((m) => m.chat_id === id),
        `chat ${id}`,
      ).toEqual(truth.filter((m) => m.chat_id === id));
    }
  }

  it("keeps every committed cursor whole after each kill, and a rerun converges", async () => {
    const total = messagesTruth(sim).length;
    let kills = 0;
    for (let trial = 0; trial < 3; trial++) {
      const threshold = (await messageCount()) + 1 + Math.floor(random() * (total / 4));
      const cli = startCli(["sync", ...FLAGS], env());
      const result = await killWhen(cli, async () => (await messageCount()) >= threshold);
      if (result.killed) kills++;
      await expectCursorsCoverTheirChats();
    }
    expect(kills).toBeGreaterThan(0);
    const rerun = await runCli(["sync", ...FLAGS], env(), 120_000);
    expect(rerun.code, rerun.describe).toBe(0);
    expect(await storedMessages(warehouse.db)).toEqual(messagesTruth(sim));
  }, 240_000);
});
