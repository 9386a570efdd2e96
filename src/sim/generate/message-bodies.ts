/** Message texts and HTML bodies: entities, formatting, `<at>` mentions, quotes, images. */
import type { Prng } from "../random.ts";
import { HTML_TEMPLATES, OPENERS, SENTENCES } from "./message-words.ts";
import { MESSAGE_TEXTS } from "./names.ts";

export function plainText(rng: Prng): string {
  return rng.chance(0.4) ? rng.pick(MESSAGE_TEXTS) : `${rng.pick(OPENERS)}, ${rng.pick(SENTENCES)}`;
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

export function htmlBody(rng: Prng, text = plainText(rng)): string {
  return rng
    .pick(HTML_TEMPLATES)
    .replace("{opener}", escapeHtml(rng.pick(OPENERS)))
    .replace("{text}", escapeHtml(text).replace(/\n/g, "<br>"));
}

export function atTag(id: number, text: string): string {
  return `<at id="${id}">${escapeHtml(text)}</at>`;
}

export function imageBody(rng: Prng, text: string, src: string): string {
  const side = rng.pick([63, 120, 250, 424]);
  return `<p>${escapeHtml(text)}</p><p><span><img height="${side}" src="${src}" width="${side}" style="vertical-align:bottom; width:${side}px; height:${side}px"></span></p>`;
}

/** A quoted reply in Teams' older form: the quote travels inside the HTML body. */
export function blockquoteBody(
  quoted: { id: string; senderId: string; senderName: string; text: string },
  reply: string,
): string {
  return (
    `<blockquote itemscope="" itemtype="http://schema.skype.com/Reply" itemid="${quoted.id}">` +
    `<strong itemprop="mri" itemid="8:orgid:${quoted.senderId}">${escapeHtml(quoted.senderName)}</strong>` +
    `<span itemprop="time" itemid="${quoted.id}"></span>` +
    `<p itemprop="preview">${escapeHtml(quoted.text)}</p></blockquote><p>${escapeHtml(reply)}</p>`
  );
}

/** Text of an HTML body, roughly (for quote previews only). */
export function roughText(html: string): string {
  return html
    .replace(/<[^>]*>/g, " ")
    .replace(/&nbsp;/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
}
