import v8 from "node:v8";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { startSimulator } from "../../src/sim/index.ts";
import { graph } from "./support/graph-client.ts";
import { allMessagesPath, messagesPath, walkMessages } from "./support/messages.ts";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;
const heapMb = (): number => {
  gc();
  return process.memoryUsage().heapUsed / 1e6;
};

describe("message volume", () => {
  it("pages through the default tenant's chat of 20,000+ messages, each message once", async () => {
    const sim = await startSimulator({ rateScale: 0 });
    try {
      const chat = sim.state().chats[0]?.id ?? "";
      const count = sim.tenant.messageCount(chat);
      expect(count).toBeGreaterThanOrEqual(20_000);
      const { items, pages } = await walkMessages(
        sim,
        messagesPath(chat, "$top=50&$orderby=createdDateTime desc"),
      );
      expect(pages.length).toBe(Math.ceil(count / 50));
      expect(new Set(items.map((m) => m.id)).size).toBe(count);
    } finally {
      await sim.close();
    }
  });

  it("generates lazily: a tenant of 500,000+ messages costs little memory until its messages are read", async () => {
    const before = heapMb();
    const sim = await startSimulator({ rateScale: 0, users: 300, messages: { perChat: 800 } });
    try {
      const state = sim.state();
      const started = heapMb();
      const user = state.users[0]?.id ?? "";
      for (const chat of state.chats.slice(0, 3)) {
        expect((await graph(sim, messagesPath(chat.id, "$top=50"))).status).toBe(200);
      }
      expect((await graph(sim, allMessagesPath(user, "$top=50"))).status).toBe(200);
      const afterPages = heapMb();
      // Reading every chat builds every skeleton (about 20 to 40 bytes a message).
      let total = 0;
      for (const chat of state.chats) total += sim.tenant.messageCount(chat.id);
      const afterAll = heapMb();
      expect(total).toBeGreaterThanOrEqual(500_000);
      expect(afterAll - afterPages).toBeGreaterThan(2 * (afterPages - started));
      expect(afterPages - started).toBeLessThan(8);
      expect(started - before).toBeLessThan(60);
    } finally {
      await sim.close();
    }
  });
});
