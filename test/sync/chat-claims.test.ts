import { describe, expect, it } from "vitest";
import { ChatClaims } from "../../src/sync/chat-claims.ts";

describe("ChatClaims", () => {
  it("makes the first lister the claimant and lets the others wait for its outcome", async () => {
    const claims = new ChatClaims();
    const claim = claims.claim("c1");
    expect(claim).not.toBeNull();
    expect(claims.claim("c1")).toBeNull();
    expect(claims.has("c1")).toBe(true);
    const waiting = claims.settled("c1");
    let settled = false;
    void waiting.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    claim?.settle({ failed: new Set(["members"]) });
    await expect(waiting).resolves.toEqual({ failed: new Set(["members"]) });
    expect(claims.claim("c1")).toBeNull();
  });

  it("fails the waiters when the claimant's rows did not commit, and frees the chat for another claim", async () => {
    const claims = new ChatClaims();
    const claim = claims.claim("c1");
    const waiting = claims.settled("c1");
    claim?.fail(new Error("connection lost"));
    await expect(waiting).rejects.toThrow("connection lost");
    expect(claims.has("c1")).toBe(false);
    const again = claims.claim("c1");
    again?.settle({ failed: new Set() });
    await expect(claims.settled("c1")).resolves.toEqual({ failed: new Set() });
  });

  it("a failed claim nobody waits on is not an unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      new ChatClaims().claim("c1")?.fail(new Error("nobody listening"));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
