import { isJsonObject } from "./fields.ts";
import type { NormalizeOptions } from "./options.ts";
import { applyPrivacy, collectEmails, hashEmail } from "./privacy.ts";
import type { Json, JsonObject } from "./rows.ts";

/**
 * The privacy options applied to a chat message.
 *
 * Without bodies, message text leaves through three places, all cut here: `body.content`
 * (as in every stored JSON), each attachment's `content` (cards, forwarded messages and
 * quoted replies carry message text), and the body columns (cut by the normalizer).
 *
 * Hashing emails: elsewhere an address is known from an `email`/`mail` key and hashed
 * wherever that whole string reappears. A message rarely has such a key, yet it carries
 * addresses in three ways: a guest's display name that is the address (sender, mention,
 * reaction, event members), a mention's text, and the words of the body. So the
 * addresses of a message are the known ones, the display names and mention texts that
 * are addresses, and (when bodies are kept) the addresses written in the body and the
 * attachments' content; each is then replaced by its hash wherever it occurs in the
 * message's rows and raw, inside longer strings too (`mailto:` links, body text). Teams
 * conversation ids look like addresses (`19:…@thread.v2`, `…@unq.gbl.spaces`) and are
 * not touched.
 */
export function applyMessagePrivacy(json: Json, options: NormalizeOptions): Json {
  const redacted = applyPrivacy(json, { ...options, hashEmails: false });
  if (options.includeMessageBodies || !isJsonObject(redacted)) return redacted;
  const attachments = redacted["attachments"];
  if (!Array.isArray(attachments)) return redacted;
  return {
    ...redacted,
    attachments: attachments.map((a) =>
      isJsonObject(a) ? Object.fromEntries(Object.entries(a).filter(([k]) => k !== "content")) : a,
    ),
  };
}

/** An address inside any text; the local part stops at `:` so `19:x@…` yields `x@…`. */
const ADDRESS =
  /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+/g;
const WHOLE_ADDRESS = new RegExp(`^${ADDRESS.source}$`);
/** Domains of Teams conversation ids, which are not mailboxes. */
const CONVERSATION_DOMAIN = /^(thread\.[a-z0-9]+|unq\.gbl\.spaces)$/i;
/** Keys whose whole string value may be a person's address. */
const NAME_KEYS = new Set(["displayName", "mentionText"]);

/**
 * The addresses (lowercased) a message carries. `texts` are the message's body and
 * attachment contents when they are kept: addresses are searched inside them.
 */
export function messageEmails(item: Json, texts: readonly (string | null)[]): Set<string> {
  const found = collectEmails(item);
  collectNameAddresses(item, found);
  for (const text of texts) {
    if (text === null || !text.includes("@")) continue;
    for (const match of text.matchAll(ADDRESS)) addAddress(match[0], found);
  }
  return found;
}

/** `value` with every occurrence of the addresses (any case) replaced by its hash. */
export function hashAddressesDeep<T>(value: T, addresses: ReadonlySet<string>): T {
  if (addresses.size === 0) return value;
  const pattern = new RegExp(
    [...addresses]
      .sort((a, b) => b.length - a.length)
      .map((a) => a.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"))
      .join("|"),
    "gi",
  );
  const replace = (text: string): string =>
    text.includes("@") ? text.replace(pattern, (match) => hashEmail(match)) : text;
  return mapStrings(value as Json, replace) as T;
}

function collectNameAddresses(json: Json, into: Set<string>): void {
  if (Array.isArray(json)) {
    for (const item of json) collectNameAddresses(item, into);
  } else if (isJsonObject(json)) {
    for (const [key, value] of Object.entries(json)) {
      if (typeof value === "string") {
        if (NAME_KEYS.has(key) && WHOLE_ADDRESS.test(value.trim())) addAddress(value.trim(), into);
      } else {
        collectNameAddresses(value, into);
      }
    }
  }
}

function addAddress(address: string, into: Set<string>): void {
  const domain = address.slice(address.lastIndexOf("@") + 1);
  if (!CONVERSATION_DOMAIN.test(domain)) into.add(address.toLowerCase());
}

function mapStrings(json: Json, fn: (text: string) => string): Json {
  if (typeof json === "string") return fn(json);
  if (Array.isArray(json)) return json.map((item) => mapStrings(item, fn));
  if (!isJsonObject(json)) return json;
  // fromEntries defines own properties, so a `__proto__` key stays data.
  return Object.fromEntries(
    Object.entries(json).map(([key, value]) => [key, mapStrings(value, fn)]),
  ) as JsonObject;
}
