/**
 * One generated message in full, from the chat's skeleton and the message's own PRNG
 * stream (its plan first, then its content): sender, body, mentions, attachments,
 * reactions and history, edits and deletion. The chat's newest message is its preview,
 * carried over as it is (same id, time, body, sender, event).
 */
import type {
  SimAttachment,
  SimMember,
  SimMention,
  SimMessage,
  SimMessageFrom,
  SimMessageUser,
  SimPreview,
} from "../model.ts";
import type { Prng } from "../random.ts";
import { formatKey } from "../messages/time-key.ts";
import {
  adaptiveCard,
  codeSnippet,
  fileReference,
  forwardedMessage,
  hostedContentUrl,
  messageReference,
} from "./message-attachments.ts";
import {
  atTag,
  blockquoteBody,
  escapeHtml,
  htmlBody,
  imageBody,
  plainText,
  roughText,
} from "./message-bodies.ts";
import type { MessageGenContext } from "./message-context.ts";
import { fromOfPreview, userFrom } from "./message-identity.ts";
import type { MessageKind, MessageRole } from "./message-plan.ts";
import { reactionsOf } from "./message-reactions.ts";
import type { Speaker } from "./message-script.ts";
import { steeredSender } from "./message-steering.ts";
import { planOf, type ChatTimeline } from "./message-timeline.ts";
import { BOTS } from "./names.ts";

const SYSTEM_BODY = { contentType: "html", content: "<systemEventMessage/>" } as const;

export function generateMessage(
  timeline: ChatTimeline,
  ctx: MessageGenContext,
  index: number,
  depth = 0,
): SimMessage {
  const { basis, times } = timeline;
  const { rng, plan, role, rank } = planOf(timeline, ctx, index);
  const id = String(times.idMs[index] ?? 0);
  const created = formatKey({
    ms: times.createdMs[index] ?? 0,
    ticks: times.createdTicks[index] ?? 0,
  });
  const message: SimMessage = {
    id,
    chatId: basis.id,
    etag: String(plan.modified.ms),
    messageType: "message",
    createdDateTime: created,
    lastModifiedDateTime: formatKey(plan.modified),
    lastEditedDateTime: plan.edited === null ? null : formatKey(plan.edited),
    deletedDateTime: plan.deleted === null ? null : formatKey(plan.deleted),
    subject: null,
    importance: "normal",
    locale: "en-us",
    webUrl: null,
    policyViolation: null,
    eventDetail: null,
    from: null,
    body: { contentType: "text", content: "" },
    attachments: [],
    mentions: [],
    reactions: [],
    messageHistory: [],
  };
  if (role.type === "system") {
    return {
      ...message,
      messageType: "systemEventMessage",
      body: { ...SYSTEM_BODY },
      eventDetail: timeline.script.events.get(index) ?? null,
    };
  }
  const sender = (): Speaker => speakerAt(rng, timeline, index, undefined);
  if (role.type === "preview") {
    const shown = previewMessage(basis.preview as SimPreview, basis, ctx.tenantId);
    Object.assign(message, {
      messageType: shown.messageType,
      body: shown.body,
      eventDetail: shown.eventDetail,
      from: shown.from,
      mentions: shown.mentions,
      attachments: shown.attachments,
    });
  } else {
    const steer = role.steer;
    fillContent(message, rng, plan.kind as MessageKind, timeline, ctx, index, rank, depth);
    message.importance =
      steer?.importance ?? (rng.chance(0.97) ? "normal" : rng.chance(0.66) ? "high" : "urgent");
    message.subject = rng.chance(0.1) ? "" : null;
    if (steer?.policyViolation === true || rng.chance(0.003))
      message.policyViolation = dlpVerdict();
  }
  if (message.messageType === "message" && plan.reactions.length > 0) {
    const { reactions, history } = reactionsOf(
      rng,
      plan.reactions,
      role.type === "ordinary" && role.steer?.reactions !== undefined,
      () => sender().user,
      () => hostedContentUrl(rng, basis.id, id),
    );
    message.reactions = reactions;
    message.messageHistory = history;
  }
  if (plan.deleted !== null) deleteContent(message, role);
  return message;
}

function fillContent(
  message: SimMessage,
  rng: Prng,
  kind: MessageKind,
  timeline: ChatTimeline,
  ctx: MessageGenContext,
  index: number,
  rank: number,
  depth: number,
): void {
  const { basis } = timeline;
  const speaker = speakerAt(rng, timeline, index, steeredSender(basis.ordinal, rank));
  const from = userFrom(speaker.user);
  const text = plainText(rng);
  const html = (content: string): void => {
    message.body = { contentType: "html", content };
  };
  message.from = from;
  switch (kind) {
    case "text":
      message.body = { contentType: "text", content: text };
      return;
    case "html":
      html(htmlBody(rng, text));
      return;
    case "mentionUser": {
      const others = timeline.script.speakers.filter(
        (s) => s !== speaker && s.user.displayName !== null && s.from < index && index < s.to,
      );
      const mentioned = others.length > 0 ? pickSome(rng, others, 2) : [speaker];
      message.mentions = mentioned.map((s, i) => userMention(i, s.user, rng.chance(0.3)));
      html(
        `<p>${message.mentions.map((m) => atTag(m.id, m.mentionText)).join(" and ")}, ${escapeHtml(text)}</p>`,
      );
      return;
    }
    case "mentionApp": {
      const bot = botIdentity(rng, ctx);
      message.mentions = [
        {
          id: 0,
          mentionText: bot.displayName ?? "",
          mentioned: { application: bot, user: null, conversation: null, tag: null },
        },
      ];
      html(`<p>${atTag(0, bot.displayName ?? "")} ${escapeHtml(text)}</p>`);
      return;
    }
    case "mentionChat":
      message.mentions = [
        {
          id: 0,
          mentionText: "Everyone",
          mentioned: {
            application: null,
            user: null,
            conversation: {
              id: basis.id,
              displayName: basis.topic,
              conversationIdentityType: "chat",
            },
            tag: null,
          },
        },
      ];
      html(`<p>${atTag(0, "Everyone")} ${escapeHtml(text)}</p>`);
      return;
    case "image":
      html(imageBody(rng, text, hostedContentUrl(rng, basis.id, message.id)));
      return;
    case "quote":
    case "messageReference": {
      const quoted = depth === 0 ? quotedMessage(rng, timeline, ctx, index) : undefined;
      if (!quoted) {
        html(htmlBody(rng, text));
        return;
      }
      if (kind === "quote") {
        html(blockquoteBody(quoted, text));
      } else {
        message.attachments = [messageReference(quoted.id, quoted.text, quoted.from)];
        html(`<attachment id="${quoted.id}"></attachment><p>${escapeHtml(text)}</p>`);
      }
      return;
    }
    case "file": {
      const upn = (speaker.user.displayName ?? "user").toLowerCase().replace(/[^a-z]+/g, "_");
      const attachment = fileReference(rng, rng.hex(32), `${upn}_contoso_com`);
      attachFile(message, attachment, `<p>${escapeHtml(text)}</p>`);
      return;
    }
    case "code":
      attachFile(message, codeSnippet(rng, basis.id, message.id), "");
      return;
    case "forward": {
      const original = {
        id: String((timeline.times.idMs[index] ?? 0) - rng.int(60_000, 30 * 86_400_000)),
        content: `<p>${escapeHtml(plainText(rng))}</p>`,
        sentDateTime: message.createdDateTime,
        sender: from,
      };
      attachFile(message, forwardedMessage(rng, original), `<p>${escapeHtml(text)}</p>`);
      return;
    }
    case "card": {
      const bot = botIdentity(rng, ctx);
      message.from = { application: bot, device: null, user: null };
      const appId = ctx.appIds.length > 0 ? rng.pick(ctx.appIds) : null;
      attachFile(message, adaptiveCard(rng, appId), "");
      return;
    }
    case "botText": {
      const bot = botIdentity(rng, ctx);
      message.from = { application: bot, device: null, user: null };
      message.body = { contentType: "text", content: `${bot.displayName ?? ""}: ${text}` };
      return;
    }
    case "chatEvent":
      message.messageType = "chatEvent";
      message.from = null;
      message.body = { contentType: "html", content: "" };
      return;
    case "typing":
      message.messageType = "typing";
      message.body = { contentType: "text", content: "" };
      return;
  }
}

/**
 * A preview as the full message it shows (generated newest messages and live posts):
 * its `<at>` tags become mentions of the chat, its `<attachment>` tags file references.
 */
export function previewMessage(
  preview: SimPreview,
  chat: {
    readonly id: string;
    readonly topic: string | null;
    readonly members: readonly SimMember[];
  },
  tenantId: string,
): SimMessage {
  // A text body's tags are just text (the preview generator sends some HTML as text).
  const content = preview.body.contentType === "html" ? preview.body.content : "";
  const mentions: SimMention[] = [...content.matchAll(/<at id="(\d+)">([^<]*)<\/at>/g)].map(
    (match) => ({
      id: Number(match[1]),
      mentionText: match[2] ?? "",
      mentioned: {
        application: null,
        user: null,
        conversation: { id: chat.id, displayName: chat.topic, conversationIdentityType: "chat" },
        tag: null,
      },
    }),
  );
  const attachments: SimAttachment[] = [
    ...content.matchAll(/<attachment id="([^"]+)"><\/attachment>/g),
  ].map((match) => ({
    id: match[1] ?? "",
    contentType: "reference",
    contentUrl: "https://contoso.sharepoint.com/sites/Projects/Shared Documents/Shared file.docx",
    content: null,
    name: "Shared file.docx",
    thumbnailUrl: null,
    teamsAppId: null,
  }));
  return {
    id: preview.id,
    chatId: chat.id,
    etag: preview.id,
    messageType: preview.messageType === "systemEventMessage" ? "systemEventMessage" : "message",
    createdDateTime: preview.createdDateTime,
    lastModifiedDateTime: preview.createdDateTime,
    lastEditedDateTime: null,
    deletedDateTime: preview.isDeleted ? preview.createdDateTime : null,
    subject: null,
    importance: "normal",
    locale: "en-us",
    webUrl: null,
    policyViolation: null,
    eventDetail: preview.eventDetail,
    from: fromOfPreview(preview.from, chat.members, tenantId),
    body: { ...preview.body },
    attachments: preview.isDeleted ? [] : attachments,
    mentions: preview.isDeleted ? [] : mentions,
    reactions: [],
    messageHistory: [],
  };
}

/** A deleted message keeps its times and history; its content and (usually) sender go. */
function deleteContent(message: SimMessage, role: MessageRole): void {
  message.body = { contentType: "html", content: "" };
  message.attachments = [];
  message.mentions = [];
  message.reactions = [];
  // The preview of a deleted newest message still names its sender; others lose it.
  if (role.type !== "preview") message.from = null;
}

function attachFile(message: SimMessage, attachment: SimAttachment, before: string): void {
  message.attachments = [attachment];
  message.body = {
    contentType: "html",
    content: `${before}<attachment id="${attachment.id}"></attachment>`,
  };
}

/** Someone in the chat at `index`, the talkative ones more often (or the steered kind). */
function speakerAt(
  rng: Prng,
  timeline: ChatTimeline,
  index: number,
  steered: string | undefined,
): Speaker {
  const all = timeline.script.speakers;
  if (steered !== undefined) {
    const match = all.find((s) =>
      steered === "federated" ? s.user.userIdentityType === "federatedUser" : s.kind === steered,
    );
    if (match) return match;
  }
  let total = 0;
  for (const s of all) if (s.from < index && index < s.to) total += s.weight;
  let r = rng.next() * total;
  for (const s of all) {
    if (!(s.from < index && index < s.to)) continue;
    r -= s.weight;
    if (r < 0) return s;
  }
  return all[0] as Speaker;
}

function quotedMessage(
  rng: Prng,
  timeline: ChatTimeline,
  ctx: MessageGenContext,
  index: number,
):
  | { id: string; senderId: string; senderName: string; text: string; from: SimMessageFrom }
  | undefined {
  for (let attempt = 0; attempt < 3 && index > 0; attempt++) {
    const j = rng.int(Math.max(0, index - 30), index - 1);
    if (timeline.script.events.has(j)) continue;
    const target = generateMessage(timeline, ctx, j, 1);
    const user = target.from?.user;
    if (!user || target.deletedDateTime !== null || target.messageType !== "message") continue;
    const text = roughText(target.body.content).slice(0, 80);
    if (text === "") continue;
    return {
      id: target.id,
      senderId: user.id,
      senderName: user.displayName ?? "",
      text,
      from: { application: null, device: null, user },
    };
  }
  return undefined;
}

function userMention(id: number, user: SimMessageUser, firstNameOnly: boolean): SimMention {
  const name = user.displayName ?? user.id;
  return {
    id,
    mentionText: firstNameOnly ? (name.split(" ")[0] ?? name) : name,
    mentioned: { application: null, user, conversation: null, tag: null },
  };
}

function botIdentity(rng: Prng, ctx: MessageGenContext) {
  const index = rng.int(0, BOTS.length - 1);
  const bot = BOTS[index] as (typeof BOTS)[number];
  return {
    id: ctx.botAppIds[index % Math.max(1, ctx.botAppIds.length)] ?? "",
    displayName: bot.displayName,
    applicationIdentityType: bot.applicationIdentityType,
  } as const;
}

function pickSome<T>(rng: Prng, items: readonly T[], max: number): T[] {
  const first = rng.pick(items);
  const second = rng.pick(items);
  return max > 1 && second !== first && rng.chance(0.3) ? [first, second] : [first];
}

function dlpVerdict() {
  return {
    dlpAction: "NotifySender",
    justificationText: null,
    policyTip: {
      generalText: "This item conflicts with a policy in your organization.",
      complianceUrl: "https://contoso.sharepoint.com/sites/compliance/dlp",
      matchedConditionDescriptions: ["Credit Card Number"],
    },
    userAction: "None",
    verdictDetails: "AllowOverrideWithoutJustification,AllowFalsePositiveOverride",
  };
}
