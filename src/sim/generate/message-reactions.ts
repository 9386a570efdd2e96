/**
 * Reactions and the message history they leave: each one added (and some removed again)
 * by someone in the chat, as a Unicode emoji, a legacy name or a custom reaction. A user
 * holds at most one reaction of a type on a message.
 */
import type { SimMessageHistoryItem, SimMessageUser, SimReaction } from "../model.ts";
import type { Prng } from "../random.ts";
import { formatKey } from "../messages/time-key.ts";
import type { ReactionTimes } from "./message-plan.ts";
import { CUSTOM_REACTIONS, LEGACY_REACTIONS, UNICODE_REACTIONS } from "./message-words.ts";

type Family = "unicode" | "legacy" | "custom";
const FAMILIES = { unicode: 60, legacy: 25, custom: 15 } as const;
const STEERED: readonly Family[] = ["unicode", "legacy", "custom", "unicode"];

/** A reaction of a family, drawn from `rng`; custom ones point at a hosted image. */
export function drawReaction(
  rng: Prng,
  family: Family,
  user: SimMessageUser,
  createdDateTime: string,
  hostedUrl: () => string,
): SimReaction {
  const reactor = { ...user, displayName: null };
  switch (family) {
    case "unicode": {
      const pick = rng.pick(UNICODE_REACTIONS);
      return { ...pick, reactionContentUrl: null, createdDateTime, user: reactor };
    }
    case "legacy":
      return {
        reactionType: rng.pick(LEGACY_REACTIONS),
        displayName: null,
        reactionContentUrl: null,
        createdDateTime,
        user: reactor,
      };
    case "custom":
      return {
        reactionType: "custom",
        displayName: rng.pick(CUSTOM_REACTIONS),
        reactionContentUrl: hostedUrl(),
        createdDateTime,
        user: reactor,
      };
  }
}

/** The current reactions and the history of a message's planned reaction events. */
export function reactionsOf(
  rng: Prng,
  times: readonly ReactionTimes[],
  steered: boolean,
  reactor: () => SimMessageUser,
  hostedUrl: () => string,
): { reactions: SimReaction[]; history: SimMessageHistoryItem[] } {
  const current: SimReaction[] = [];
  const history: SimMessageHistoryItem[] = [];
  times.forEach((time, i) => {
    const family = steered ? (STEERED[i] ?? "unicode") : rng.weighted<Family>(FAMILIES);
    const at = formatKey(time.added);
    let reaction = drawReaction(rng, family, reactor(), at, hostedUrl);
    // One reaction of a type per user: a repeat becomes a thumbs-up, or is dropped.
    if (current.some((r) => sameSlot(r, reaction))) {
      reaction = {
        ...reaction,
        reactionType: "👍",
        displayName: "Thumbs up",
        reactionContentUrl: null,
      };
      if (current.some((r) => sameSlot(r, reaction))) return;
    }
    history.push({ modifiedDateTime: at, actions: "reactionAdded", reaction });
    if (time.removed === null) {
      current.push(reaction);
    } else {
      history.push({
        modifiedDateTime: formatKey(time.removed),
        actions: "reactionRemoved",
        reaction,
      });
    }
  });
  history.sort((a, b) => Date.parse(a.modifiedDateTime) - Date.parse(b.modifiedDateTime));
  return { reactions: current, history };
}

export function sameSlot(a: SimReaction, b: SimReaction): boolean {
  return a.user.id === b.user.id && a.reactionType === b.reactionType;
}
