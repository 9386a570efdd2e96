/** Reading chat message truth and wire values in simulator tests. */
import type { SimMessage, Simulator } from "../../../src/sim/index.ts";
import { graph, type GraphAnswer } from "./graph-client.ts";

/** A wire timestamp as an exact number of 100 ns ticks (0 to 7 fraction digits). */
export function wireTicks(value: string): bigint {
  const match = /^(.*?)(?:\.(\d+))?Z$/.exec(value);
  if (!match) throw new Error(`not a timestamp: ${value}`);
  return (
    BigInt(Date.parse(`${match[1] ?? ""}Z`)) * 10_000n +
    BigInt((match[2] ?? "").padEnd(7, "0").slice(0, 7))
  );
}

export type MessageOrder = "lastModifiedDateTime" | "createdDateTime";

/** Newest first by the property, then by id, as Graph lists chat messages. */
export function sortedNewestFirst(
  messages: readonly SimMessage[],
  order: MessageOrder,
): SimMessage[] {
  return [...messages].sort((a, b) => {
    const ka = wireTicks(a[order]);
    const kb = wireTicks(b[order]);
    return ka !== kb ? (kb > ka ? 1 : -1) : Number(b.id) - Number(a.id);
  });
}

export function messagesPath(chatId: string, query = "", userId?: string): string {
  const base = userId === undefined ? "/v1.0" : `/v1.0/users/${encodeURIComponent(userId)}`;
  return `${base}/chats/${encodeURIComponent(chatId)}/messages${query === "" ? "" : `?${query}`}`;
}

export function allMessagesPath(userId: string, query = "", delta = false): string {
  const path = `/v1.0/users/${encodeURIComponent(userId)}/chats/getAllMessages${delta ? "/delta" : ""}`;
  return `${path}${query === "" ? "" : `?${query}`}`;
}

export const INCLUDE_UNKNOWN = { Prefer: "include-unknown-enum-members" };

/** Follows `@odata.nextLink` with the given headers; fails on an error status or a loop. */
export async function walkMessages(
  sim: Simulator,
  firstPath: string,
  headers: Record<string, string> = {},
  maxPages = 1_000,
): Promise<{ items: Record<string, unknown>[]; pages: GraphAnswer[] }> {
  const items: Record<string, unknown>[] = [];
  const pages: GraphAnswer[] = [];
  let next: string | undefined = firstPath;
  while (next !== undefined) {
    if (pages.length >= maxPages) throw new Error(`more than ${maxPages} pages from ${firstPath}`);
    const page = await graph(sim, next, { headers });
    if (page.status !== 200 || !page.json)
      throw new Error(`${page.status} from ${next}: ${page.text}`);
    pages.push(page);
    items.push(...(page.json.value as Record<string, unknown>[]));
    next = page.json["@odata.nextLink"] as string | undefined;
  }
  return { items, pages };
}
