import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  NEVER,
  generateTenant,
  startSimulator,
  type SimChatState,
  type SimState,
} from "../../src/sim/index.ts";
import { chatsPath, graph } from "./support/graph-client.ts";

const NOW = Date.parse("2024-06-03T09:00:00Z");

describe("the tenant generator", () => {
  it("gives the same tenant for the same seed and options, and a different one for another seed", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer(), fc.string({ maxLength: 8 })),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 20 }),
        (seed, users, chatsPerUser) => {
          const a = generateTenant({ seed, users, chatsPerUser }, NOW);
          const b = generateTenant({ seed, users, chatsPerUser }, NOW);
          expect(JSON.stringify(b)).toBe(JSON.stringify(a));
          const other = generateTenant({ seed: `${String(seed)}x`, users, chatsPerUser }, NOW);
          expect(other.users[0]?.id).not.toBe(a.users[0]?.id);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("serves byte-identical pages from two simulators with the same seed", async () => {
    const [a, b] = await Promise.all([
      startSimulator({ seed: 7, rateScale: 0 }),
      startSimulator({ seed: 7, rateScale: 0 }),
    ]);
    try {
      const user = a.state().users[0]?.id ?? "";
      const query = "$top=5&$expand=members,lastMessagePreview";
      const [pa, pb] = await Promise.all([
        graph(a, chatsPath(user, query)),
        graph(b, chatsPath(user, query)),
      ]);
      expect(pa.text.replaceAll(a.url, "ORIGIN")).toBe(pb.text.replaceAll(b.url, "ORIGIN"));
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("puts every chat in the listing of exactly its tenant-user members, once", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 15 }), (seed, users) => {
        const tenant = generateTenant({ seed, users, chatsPerUser: 6 }, NOW);
        const userIds = new Set(tenant.users.map((u) => u.id));
        for (const chat of tenant.chats) {
          const members = new Set(
            chat.members.flatMap((m) =>
              m.type === "aadUserConversationMember" &&
              m.tenantId === tenant.tenantId &&
              userIds.has(m.userId)
                ? [m.userId]
                : [],
            ),
          );
          expect(new Set(Object.keys(chat.viewpoints))).toEqual(members);
          expect(new Set(chat.members.map((m) => m.id)).size).toBe(chat.members.length);
        }
      }),
      { numRuns: 30 },
    );
  });

  describe("the default tenant shows every shape docs/graph.md describes", () => {
    const tenant = generateTenant({}, NOW);
    const all = (f: (chat: SimChatState) => boolean) => tenant.chats.filter(f);
    const members = tenant.chats.flatMap((c) => c.members);
    const previews = tenant.chats.flatMap((c) =>
      c.lastMessagePreview ? [c.lastMessagePreview] : [],
    );

    it("has 20 users with GUID ids, UPNs, and some without mail", () => {
      expect(tenant.users).toHaveLength(20);
      for (const user of tenant.users) {
        expect(user.id).toMatch(
          /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        );
        expect(user.userPrincipalName).toContain("@");
      }
      expect(tenant.users.some((u) => u.mail === null)).toBe(true);
    });

    it("has oneOnOne, group and meeting chats; meetings carry onlineMeetingInfo", () => {
      expect(new Set(tenant.chats.map((c) => c.chatType))).toEqual(
        new Set(["oneOnOne", "group", "meeting"]),
      );
      for (const meeting of all((c) => c.chatType === "meeting"))
        expect(meeting.onlineMeetingInfo?.joinWebUrl).toMatch(/^https:/);
      for (const chat of all((c) => c.chatType === "oneOnOne")) expect(chat.topic).toBeNull();
    });

    it("has group chats with more than 25 members and none above 250", () => {
      const sizes = all((c) => c.chatType === "group").map((c) => c.members.length);
      expect(sizes.some((n) => n > 25)).toBe(true);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(250);
    });

    it("has every member subtype, guests with roles ['guest'], owners and null emails", () => {
      expect(new Set(members.map((m) => m.type))).toEqual(
        new Set([
          "aadUserConversationMember",
          "anonymousGuestConversationMember",
          "microsoftAccountUserConversationMember",
          "skypeForBusinessUserConversationMember",
          "skypeUserConversationMember",
          "phoneUserConversationMember",
          "azureCommunicationServicesUserConversationMember",
        ]),
      );
      expect(members.some((m) => m.roles.includes("guest"))).toBe(true);
      expect(members.some((m) => m.roles.includes("owner"))).toBe(true);
      expect(members.some((m) => m.type === "aadUserConversationMember" && m.email === null)).toBe(
        true,
      );
      const aad = members.filter((m) => m.type === "aadUserConversationMember");
      expect(
        aad.filter((m) => m.type === "aadUserConversationMember" && m.tenantId === tenant.tenantId)
          .length,
      ).toBeGreaterThan(aad.length / 2);
    });

    it("repeats some membership ids across chats and has a chat with two memberships of one user", () => {
      const chatsById = new Map<string, Set<string>>();
      for (const chat of tenant.chats)
        for (const m of chat.members)
          chatsById.set(m.id, (chatsById.get(m.id) ?? new Set()).add(chat.id));
      expect([...chatsById.values()].some((chats) => chats.size > 1)).toBe(true);
      expect(
        tenant.chats.some((c) => {
          const ids = c.members.flatMap((m) =>
            m.type === "aadUserConversationMember" ? [m.userId] : [],
          );
          return new Set(ids).size < ids.length;
        }),
      ).toBe(true);
    });

    it("has user text and html previews, bot previews, deleted ones, system events of several kinds, and chats without a message", () => {
      expect(
        previews.some((p) => p.from?.user && p.body.contentType === "text" && !p.isDeleted),
      ).toBe(true);
      expect(
        previews.some((p) => p.from?.user && p.body.contentType === "html" && !p.isDeleted),
      ).toBe(true);
      expect(previews.some((p) => p.from?.application?.applicationIdentityType === "bot")).toBe(
        true,
      );
      expect(previews.some((p) => p.isDeleted)).toBe(true);
      expect(tenant.chats.some((c) => c.lastMessagePreview === null)).toBe(true);
      const system = previews.filter((p) => p.messageType === "systemEventMessage");
      expect(system.every((p) => p.from === null && p.eventDetail !== null)).toBe(true);
      const kinds = new Set(system.map((p) => p.eventDetail?.["@odata.type"]));
      for (const kind of ["membersAdded", "membersDeleted", "chatRenamed", "callEnded"]) {
        expect(kinds).toContain(`#microsoft.graph.${kind}EventMessageDetail`);
      }
    });

    it("has operations in every status", () => {
      const statuses = new Set(tenant.chats.flatMap((c) => c.operations.map((o) => o.status)));
      expect(statuses).toEqual(
        new Set([
          "notStarted",
          "inProgress",
          "succeeded",
          "failed",
          "invalid",
          "unknownFutureValue",
        ]),
      );
    });

    it("uses 0 to 7 fractional digits, the 0001-01-01 sentinel, both viewpoint spellings and hidden flags", () => {
      const text = JSON.stringify(tenant);
      const digits = new Set(
        [...text.matchAll(/"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.(\d+))?Z"/g)].map(
          (m) => m[1]?.length ?? 0,
        ),
      );
      expect(digits).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7]));
      const viewpoints = tenant.chats.flatMap((c) => Object.values(c.viewpoints));
      expect(viewpoints.some((v) => v.lastMessageReadDateTime === NEVER)).toBe(true);
      expect(viewpoints.some((v) => v.isHidden)).toBe(true);
      expect(members.some((m) => m.visibleHistoryStartDateTime === NEVER)).toBe(true);
      expect(new Set(tenant.chats.map((c) => c.viewpointProperty))).toEqual(
        new Set(["viewpoint", "chatViewpoint"]),
      );
      expect(tenant.chats.some((c) => c.installedAppIds.length > 0)).toBe(true);
    });

    it("keeps lastUpdatedDateTime at or after createdDateTime, and previews after creation", () => {
      for (const chat of tenant.chats) {
        expect(Date.parse(chat.lastUpdatedDateTime)).toBeGreaterThanOrEqual(
          Date.parse(chat.createdDateTime),
        );
        if (chat.lastMessagePreview) {
          expect(Date.parse(chat.lastMessagePreview.createdDateTime)).toBeGreaterThanOrEqual(
            Date.parse(chat.createdDateTime),
          );
          expect(chat.previewHistory.at(-1)).toEqual(chat.lastMessagePreview);
        }
      }
    });
  });

  // How fast it generates and serves is the benchmarks' business (bench/ prints the
  // simulator's generation time); timing bounds here failed on a busy machine.
  it("generates 1,000 users and 30,000 chats and serves them in full pages of 50 chats", async () => {
    const sim = await startSimulator({
      users: 1000,
      chats: 30_000,
      rateScale: 0,
      chatTypeMix: { group: 80, oneOnOne: 10, meeting: 10 },
    });
    try {
      expect(sim.state().chats).toHaveLength(30_000);
      const users = sim.tenant
        .users()
        .slice(0, 100)
        .map((u) => u.id);
      const pages = await Promise.all(
        [0, 1, 2, 3].map(async (worker) => {
          const sizes: number[] = [];
          for (let i = worker; i < users.length; i += 4) {
            const page = await graph(
              sim,
              chatsPath(users[i] ?? "", "$top=50&$expand=members,lastMessagePreview"),
            );
            sizes.push((page.json?.value as unknown[]).length);
          }
          return sizes;
        }),
      );
      expect(pages.flat()).toHaveLength(100);
      expect(pages.flat().every((n) => n === 50)).toBe(true);
    } finally {
      await sim.close();
    }
  });
});

export type { SimState };
