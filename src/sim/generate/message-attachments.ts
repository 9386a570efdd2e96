/**
 * Attachments and hosted contents as Teams sends them: file references (a SharePoint or
 * OneDrive link in `contentUrl`), adaptive cards and code snippets (JSON strings in
 * `content`), quoted (`messageReference`) and forwarded (`forwardedMessageReference`)
 * messages. The body names each one with `<attachment id="…">`.
 */
import type { SimAttachment, SimMessageFrom } from "../model.ts";
import type { Prng } from "../random.ts";
import { CARD_TITLES, CODE_LANGUAGES, FILE_NAMES } from "./message-words.ts";

/** `…/chats/{id}/messages/{id}/hostedContents/{id}/$value`, the URL of an inline image or snippet. */
export function hostedContentUrl(rng: Prng, chatId: string, messageId: string): string {
  const object = `0-wus-d${rng.int(1, 9)}-${rng.hex(32)}`;
  const hostedId = Buffer.from(
    `id=x_${object},type=1,url=https://us-api.asm.skype.com/v1/objects/${object}/views/imgo`,
  ).toString("base64");
  return `https://graph.microsoft.com/v1.0/chats/${chatId}/messages/${messageId}/hostedContents/${hostedId}/$value`;
}

export function fileReference(rng: Prng, id: string, ownerUpnPart: string): SimAttachment {
  const name = rng.pick(FILE_NAMES);
  const contentUrl = rng.chance(0.5)
    ? `https://contoso.sharepoint.com/sites/Projects/Shared Documents/${name}`
    : `https://contoso-my.sharepoint.com/personal/${ownerUpnPart}/Documents/Microsoft Teams Chat Files/${name}`;
  return {
    id,
    contentType: "reference",
    contentUrl,
    content: null,
    name,
    thumbnailUrl: null,
    teamsAppId: null,
  };
}

export function adaptiveCard(rng: Prng, teamsAppId: string | null): SimAttachment {
  const title = rng.pick(CARD_TITLES);
  const card = {
    type: "AdaptiveCard",
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    version: "1.4",
    body: [
      { type: "TextBlock", size: "Medium", weight: "Bolder", text: title },
      { type: "FactSet", facts: [{ title: "Requested by", value: "Workflows" }] },
    ],
    actions: [{ type: "Action.OpenUrl", title: "Open", url: "https://contoso.example/item/42" }],
  };
  return {
    id: rng.hex(32),
    contentType: "application/vnd.microsoft.card.adaptive",
    contentUrl: null,
    content: JSON.stringify(card),
    name: null,
    thumbnailUrl: null,
    teamsAppId,
  };
}

export function codeSnippet(rng: Prng, chatId: string, messageId: string): SimAttachment {
  return {
    id: rng.hex(32),
    contentType: "application/vnd.microsoft.card.codesnippet",
    contentUrl: null,
    content: JSON.stringify({
      name: null,
      language: rng.pick(CODE_LANGUAGES),
      codeSnippetUrl: hostedContentUrl(rng, chatId, messageId),
      wrapText: rng.chance(0.5),
    }),
    name: null,
    thumbnailUrl: null,
    teamsAppId: null,
  };
}

/** A quoted message: the attachment id is the quoted message's id. */
export function messageReference(
  quotedId: string,
  preview: string,
  sender: SimMessageFrom,
): SimAttachment {
  return {
    id: quotedId,
    contentType: "messageReference",
    contentUrl: null,
    content: JSON.stringify({
      messageId: quotedId,
      messagePreview: preview,
      messageSender: sender,
    }),
    name: null,
    thumbnailUrl: null,
    teamsAppId: null,
  };
}

export function forwardedMessage(
  rng: Prng,
  original: { id: string; content: string; sentDateTime: string; sender: SimMessageFrom },
): SimAttachment {
  return {
    id: original.id,
    contentType: "forwardedMessageReference",
    contentUrl: null,
    content: JSON.stringify({
      originalMessageId: original.id,
      originalMessageContent: original.content,
      originalSentDateTime: original.sentDateTime,
      originalSubject: null,
      originalSender: original.sender,
      originalConversationId: `19:${rng.hex(32)}@thread.v2`,
    }),
    name: null,
    thumbnailUrl: null,
    teamsAppId: null,
  };
}
