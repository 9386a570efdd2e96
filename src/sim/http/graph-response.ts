/**
 * What route handlers return: a JSON body, a page of a collection (serialized only
 * after fault rules had their say on its nextLink), or an empty body (202).
 */
import type { JsonChunk, JsonChunks } from "./json-chunks.ts";

export interface Page {
  /** `@odata.context`. */
  readonly context: string;
  /** Items, already serialized. */
  readonly items: readonly JsonChunks[];
  /** Absolute URL of the next page, or null on the last page. */
  nextLink: string | null;
  /** A delta query's last page: the link for the next round. */
  readonly deltaLink?: string;
  /** The listing's first page (for the repeating-nextLink fault). */
  readonly firstPageUrl: string;
}

export type RouteOutput =
  | { readonly status: number; readonly headers?: Record<string, string>; readonly body: unknown }
  | { readonly status: number; readonly headers?: Record<string, string>; readonly page: Page }
  | {
      readonly status: number;
      readonly headers?: Record<string, string>;
      readonly json: JsonChunks;
    }
  | { readonly status: number; readonly headers?: Record<string, string>; readonly empty: true };

export function serializePage(page: Page): JsonChunk[] {
  const head = [
    `"@odata.context":${JSON.stringify(page.context)}`,
    `"@odata.count":${page.items.length}`,
  ];
  if (page.nextLink !== null) head.push(`"@odata.nextLink":${JSON.stringify(page.nextLink)}`);
  if (page.deltaLink !== undefined)
    head.push(`"@odata.deltaLink":${JSON.stringify(page.deltaLink)}`);
  const chunks: JsonChunk[] = [`{${head.join(",")},"value":[`];
  page.items.forEach((item, i) => {
    if (i > 0) chunks.push(",");
    chunks.push(...item);
  });
  chunks.push("]}");
  return chunks;
}

/** Graph's error body. */
export function graphErrorBody(
  code: string,
  message: string,
  requestId: string,
  clientRequestId: string,
): string {
  return JSON.stringify({
    error: {
      code,
      message,
      innerError: {
        date: new Date().toISOString().replace(/\.\d+Z$/, ""),
        "request-id": requestId,
        "client-request-id": clientRequestId,
      },
    },
  });
}

/**
 * A URL with some query parameters replaced (others kept in order). Keys keep their
 * literal `$` as Graph's nextLinks do (`?$top=50&$skiptoken=...`).
 */
export function withQuery(url: URL, changes: Record<string, string | null>): string {
  const params = new Map<string, string>();
  for (const [key, value] of url.searchParams) params.set(key, value);
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) params.delete(key);
    else params.set(key, value);
  }
  const query = [...params]
    .map(
      ([key, value]) =>
        `${encodeURIComponent(key).replace(/^%24/, "$")}=${encodeURIComponent(value)}`,
    )
    .join("&");
  return `${url.origin}${url.pathname}${query === "" ? "" : `?${query}`}`;
}
