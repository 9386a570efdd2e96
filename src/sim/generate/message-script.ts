/**
 * A chat's story, decided before any message text: who was in it when, and the system
 * events that say so. A group or meeting chat opens with the members being added; some
 * join later, some former members are added and removed, renames lead to the current
 * topic, installed apps are announced, calls start and end (their duration is the time
 * between the two events). Who speaks at a message is someone in the chat at that time.
 */
import type { SimEventDetail, SimMember, SimMessageUser, SimUserIdentity } from "../model.ts";
import type { Prng } from "../random.ts";
import { formatGraphTime } from "../graph-time.ts";
import type { ChatBasis, MessageGenContext } from "./message-context.ts";
import {
  appInstalledDetail,
  callEndedDetail,
  callStartedDetail,
  messagePinnedDetail,
} from "./message-events.ts";
import { messageUser } from "./message-identity.ts";
import type { MessageTimes } from "./message-times.ts";
import { EXTERNAL_DOMAINS, GIVEN_NAMES, GROUP_TOPICS, SURNAMES } from "./names.ts";
import {
  chatRenamedDetail,
  memberIdentity,
  membersAddedDetail,
  membersDeletedDetail,
} from "./previews.ts";

export interface Speaker {
  /** As `from.user` shows them. */
  readonly user: SimMessageUser;
  /** As event details name them. */
  readonly identity: SimUserIdentity;
  /** The member subtype, or `former` for someone no longer in the chat. */
  readonly kind: SimMember["type"] | "former";
  /** Speaks only at indices after `from` and before `to`. */
  from: number;
  to: number;
  readonly weight: number;
  readonly visibleHistoryStartDateTime: string;
}

export interface ChatScript {
  /** System event messages by index (the preview's own event is not here). */
  readonly events: ReadonlyMap<number, SimEventDetail>;
  readonly speakers: readonly Speaker[];
  /** Whether bots post in this chat. */
  readonly botsPost: boolean;
}

type Planned =
  | { u: number; kind: "add" | "remove"; speaker: number }
  | { u: number; kind: "rename" }
  | { u: number; kind: "app"; appId: string }
  | { u: number; kind: "callStart" | "callEnd"; call: number }
  | { u: number; kind: "pin" };

const NEVER = "0001-01-01T00:00:00Z";

export function chatScript(
  rng: Prng,
  basis: ChatBasis,
  ctx: MessageGenContext,
  times: MessageTimes,
): ChatScript {
  const { n } = times;
  const speakers = currentSpeakers(rng, basis, ctx, n);
  const grouped = basis.chatType !== "oneOnOne" && n >= 2;
  const botsPost =
    basis.chatType !== "oneOnOne" &&
    (basis.ordinal === 0 || basis.installedAppIds.length > 0 || rng.chance(0.3));
  const events = new Map<number, SimEventDetail>();
  const first = grouped ? 1 : 0;
  const slots = Math.max(0, n - 1 - first);
  const budget = Math.floor(slots * 0.3);
  const planned = plan(rng, basis, ctx, speakers, n, grouped, budget);

  const indices = distinctSorted(rng, first, n - 2, planned.length);
  planned.sort((a, b) => a.u - b.u);
  const placed = planned.map((p, i) => ({ p, index: indices[i] ?? 0 }));
  for (const { p, index } of placed) {
    if (p.kind === "add") (speakers[p.speaker] as Speaker).from = index;
    if (p.kind === "remove") (speakers[p.speaker] as Speaker).to = index;
  }
  if (grouped) events.set(0, initialAdd(speakers, placed));

  const renames = placed.filter(({ p }) => p.kind === "rename");
  const callStarts = new Map<number, number>();
  const callIds = new Map<number, string>();
  for (const { p, index } of placed) {
    const by = initiator(rng, speakers, index, p.kind === "add" ? p.speaker : -1);
    switch (p.kind) {
      case "add": {
        const s = speakers[p.speaker] as Speaker;
        events.set(index, membersAddedDetail([s.identity], by, s.visibleHistoryStartDateTime));
        break;
      }
      case "remove":
        events.set(index, membersDeletedDetail([(speakers[p.speaker] as Speaker).identity], by));
        break;
      case "rename": {
        const last = renames[renames.length - 1]?.index === index;
        const topic = last ? (basis.topic ?? "") : rng.pick(GROUP_TOPICS);
        events.set(index, chatRenamedDetail(basis.id, topic, by));
        break;
      }
      case "app": {
        const appIndex = Math.max(0, ctx.appIds.indexOf(p.appId));
        events.set(index, appInstalledDetail(p.appId, `App ${appIndex + 1}`, by));
        break;
      }
      case "callStart": {
        const callId = rng.guid();
        callIds.set(p.call, callId);
        callStarts.set(p.call, index);
        events.set(index, callStartedDetail(callId, callType(rng, basis), by));
        break;
      }
      case "callEnd": {
        const start = callStarts.get(p.call) ?? index;
        const duration = (times.idMs[index] ?? 0) - (times.idMs[start] ?? 0);
        const present = speakers.filter((s) => s.from < index && index < s.to);
        const joined = present.filter(() => rng.chance(0.6)).slice(0, 6);
        const people = joined.length > 0 ? joined.map((s) => s.identity) : [by];
        events.set(
          index,
          callEndedDetail(
            callIds.get(p.call) ?? rng.guid(),
            callType(rng, basis),
            duration,
            people,
            by,
          ),
        );
        break;
      }
      case "pin":
        events.set(index, messagePinnedDetail(formatGraphTime(times.idMs[index] ?? 0), by));
        break;
    }
  }
  return { events, speakers, botsPost };
}

function currentSpeakers(
  rng: Prng,
  basis: ChatBasis,
  ctx: MessageGenContext,
  n: number,
): Speaker[] {
  const seen = new Set<string>();
  const members = basis.members.filter((m) => {
    const id = memberIdentity(m).id;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  // A few people do most of the talking: weights fall with a random rank.
  const ranks = members.map((_, i) => i);
  for (let i = ranks.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [ranks[i], ranks[j]] = [ranks[j] as number, ranks[i] as number];
  }
  return members.map((member, i) => ({
    user: messageUser(member, ctx.tenantId),
    identity: memberIdentity(member),
    kind: member.type,
    from: basis.chatType === "oneOnOne" ? -1 : 0,
    to: n,
    weight: 1 / ((ranks[i] ?? 0) + 1) ** 1.1,
    visibleHistoryStartDateTime: member.visibleHistoryStartDateTime,
  }));
}

/** The events this chat's story has room for, most telling first. */
function plan(
  rng: Prng,
  basis: ChatBasis,
  ctx: MessageGenContext,
  speakers: Speaker[],
  n: number,
  grouped: boolean,
  budget: number,
): Planned[] {
  const out: Planned[] = [];
  let left = budget;
  const take = (...events: Planned[]): void => {
    if (events.length > left) return;
    out.push(...events);
    left -= events.length;
  };
  if (grouped && basis.chatType === "group" && basis.topic !== null) {
    const renames = 1 + (rng.chance(0.3) ? 1 : 0) + (rng.chance(0.1) ? 1 : 0);
    for (let i = 0; i < renames; i++) take({ u: rng.next(), kind: "rename" });
  }
  for (const appId of basis.installedAppIds) take({ u: rng.next(), kind: "app", appId });
  if (grouped) {
    const formers = basis.chatType === "group" ? rng.int(0, 2) : rng.int(0, 1);
    for (let i = 0; i < formers && n >= 12; i++) {
      const speaker = speakers.push(formerMember(rng, basis, ctx, n, speakers)) - 1;
      const added = rng.next() * 0.7;
      const removed = added + rng.next() * (1 - added);
      if (rng.chance(0.5)) take({ u: removed, kind: "remove", speaker });
      else take({ u: added, kind: "add", speaker }, { u: removed, kind: "remove", speaker });
    }
    let later = Math.max(1, Math.floor(n / 50));
    for (let i = 1; i < speakers.length && later > 0; i++) {
      const s = speakers[i] as Speaker;
      if (s.kind === "former" || !rng.chance(0.15)) continue;
      take({ u: rng.next(), kind: "add", speaker: i });
      later--;
    }
  }
  const calls = Math.min(
    200,
    Math.floor(n / (basis.chatType === "meeting" ? 40 : 150)) +
      (basis.chatType === "meeting" && n >= 4 ? 1 : 0),
  );
  for (let call = 0; call < calls; call++) {
    const u = rng.next() * 0.98;
    take(
      { u, kind: "callStart", call },
      { u: u + 0.000001 + rng.next() * 0.02, kind: "callEnd", call },
    );
  }
  for (let i = Math.floor(n / 400); i > 0; i--) take({ u: rng.next(), kind: "pin" });
  return out;
}

function formerMember(
  rng: Prng,
  basis: ChatBasis,
  ctx: MessageGenContext,
  n: number,
  speakers: readonly Speaker[],
): Speaker {
  const taken = new Set(speakers.map((s) => s.identity.id));
  const user = ctx.users.length > 0 ? rng.pick(ctx.users) : undefined;
  const base = { kind: "former" as const, from: 0, to: n, weight: 0.3 };
  if (user && !taken.has(user.id) && rng.chance(0.6)) {
    const identity: SimUserIdentity = {
      id: user.id,
      displayName: user.displayName,
      userIdentityType: "aadUser",
    };
    return {
      ...base,
      identity,
      user: { ...identity, tenantId: ctx.tenantId },
      visibleHistoryStartDateTime: NEVER,
    };
  }
  const given = rng.pick(GIVEN_NAMES);
  const surname = rng.pick(SURNAMES);
  const identity: SimUserIdentity = {
    id: rng.guid(),
    displayName: `${given} ${surname} (${rng.pick(EXTERNAL_DOMAINS)})`,
    userIdentityType: "aadUser",
  };
  return {
    ...base,
    identity,
    user: { ...identity, userIdentityType: "federatedUser", tenantId: rng.guid() },
    visibleHistoryStartDateTime: basis.chatType === "meeting" ? NEVER : "1970-01-01T00:00:00Z",
  };
}

/** The chat's first message: everyone in it from the start (not added later). */
function initialAdd(
  speakers: readonly Speaker[],
  placed: readonly { p: Planned; index: number }[],
): SimEventDetail {
  const addedLater = new Set(placed.filter(({ p }) => p.kind === "add").map(({ p }) => p));
  const later = new Set([...addedLater].map((p) => (p.kind === "add" ? p.speaker : -1)));
  const initial = speakers.filter((_, i) => !later.has(i));
  const creator = initial[0] ?? speakers[0];
  return membersAddedDetail(
    initial.map((s) => s.identity),
    creator?.identity ?? { id: "", displayName: null, userIdentityType: "aadUser" },
    NEVER,
  );
}

/** Someone in the chat at `index` (not `except`), preferring tenant users. */
function initiator(
  rng: Prng,
  speakers: readonly Speaker[],
  index: number,
  except: number,
): SimUserIdentity {
  const present = speakers.filter(
    (s, i) => i !== except && s.from < index && index < s.to && s.kind !== "former",
  );
  const pool = present.length > 0 ? present : speakers.filter((_, i) => i !== except);
  return (pool.length > 0 ? rng.pick(pool) : (speakers[0] as Speaker)).identity;
}

function callType(rng: Prng, basis: ChatBasis): string {
  return basis.chatType === "meeting" ? "meeting" : rng.chance(0.85) ? "call" : "screenShare";
}

/** `count` distinct integers in [min, max], ascending (Floyd's sampling). */
export function distinctSorted(rng: Prng, min: number, max: number, count: number): number[] {
  const size = max - min + 1;
  const k = Math.max(0, Math.min(count, size));
  const chosen = new Set<number>();
  for (let j = size - k; j < size; j++) {
    const t = rng.int(0, j);
    chosen.add(chosen.has(t) ? j : t);
  }
  return [...chosen].map((v) => v + min).sort((a, b) => a - b);
}
