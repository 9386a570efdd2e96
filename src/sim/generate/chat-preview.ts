/**
 * The preview a generated chat starts with. The first chats of each type get a fixed
 * sequence of kinds and the system events cycle through their subtypes, so even a small
 * tenant has every kind; later ones are drawn at random.
 */
import type { SimMember, SimPreview } from "../model.ts";
import type { Prng } from "../random.ts";
import { randomGraphTime } from "../graph-time.ts";
import type { ChatGenContext } from "./chat-context.ts";
import {
  SYSTEM_EVENT_KINDS,
  botPreview,
  memberIdentity,
  randomEventDetail,
  randomUserBody,
  systemPreview,
  userMessagePreview,
} from "./previews.ts";

type PreviewKind = "none" | "text" | "html" | "bot" | "system" | "deleted";
const PREVIEW_WEIGHTS = { none: 8, text: 40, html: 12, bot: 10, system: 25, deleted: 5 } as const;
const PREVIEW_COVERAGE: Record<string, readonly PreviewKind[]> = {
  group: ["system", "text", "bot", "system", "deleted", "html", "system", "none", "system"],
  meeting: ["system", "none", "html", "system"],
  oneOnOne: ["text", "system", "bot", "deleted", "none", "html"],
};

export function generatePreview(
  ctx: ChatGenContext,
  rng: Prng,
  chat: { id: string; topic: string | null; chatType: string },
  members: readonly SimMember[],
  createdMs: number,
): SimPreview | null {
  const index = ctx.counters.previews[chat.chatType] ?? 0;
  ctx.counters.previews[chat.chatType] = index + 1;
  const kind: PreviewKind =
    PREVIEW_COVERAGE[chat.chatType]?.[index] ?? rng.weighted(PREVIEW_WEIGHTS);
  if (kind === "none") return null;
  const ms = Math.floor(createdMs + 1 + rng.next() * (ctx.nowMs - createdMs - 1));
  const at = randomGraphTime(rng, ms);
  const tenantMembers = members.filter((m) => m.type === "aadUserConversationMember");
  const sender = memberIdentity(
    rng.chance(0.8) && tenantMembers.length > 0 ? rng.pick(tenantMembers) : rng.pick(members),
  );
  switch (kind) {
    case "text":
      return userMessagePreview(ms, at, sender, {
        contentType: "text",
        content: randomUserBody(rng).content,
      });
    case "html":
      return userMessagePreview(ms, at, sender, randomUserBody(rng));
    case "deleted":
      return userMessagePreview(ms, at, sender, randomUserBody(rng), true);
    case "bot":
      return botPreview(rng, ms, at, ctx.botAppIds);
    case "system": {
      // Cycle through the event kinds; a kind a one-on-one cannot have waits for the next chat.
      const cycle = ctx.counters.systemEvents[chat.chatType] ?? 0;
      const next = SYSTEM_EVENT_KINDS[cycle % SYSTEM_EVENT_KINDS.length] ?? "callEnded";
      const groupOnly =
        next === "membersAdded" || next === "membersDeleted" || next === "chatRenamed";
      const event = chat.chatType === "oneOnOne" && groupOnly ? "callEnded" : next;
      if (event === next) ctx.counters.systemEvents[chat.chatType] = cycle + 1;
      return systemPreview(ms, at, randomEventDetail(rng, event, chat, members, ctx.appIds, ms));
    }
  }
}
