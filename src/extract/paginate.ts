import { GraphProtocolError, type ErrorContext } from "../errors.ts";
import type { GraphRequestOptions } from "./graph-request.ts";
import type { GraphHttpClient } from "./http-client.ts";

export interface PaginateOptions extends GraphRequestOptions {
  /** Names the listing in errors: `chats of user 8ea0…`. */
  readonly listing: string;
  readonly maxPages: number;
}

export interface GraphPage<T = unknown> {
  /** The page's `value` array, items unchecked. */
  readonly items: readonly T[];
  /** 0 for the first page. */
  readonly pageIndex: number;
  /** No page follows (no `@odata.nextLink`): the listing is complete with this one. */
  readonly last: boolean;
  readonly url: string;
  readonly requestId: string | undefined;
  /**
   * On the last page of a delta query: the `@odata.deltaLink` to keep for the next run
   * (it asks for what changed since this listing).
   */
  readonly deltaLink?: string;
}

/**
 * Walks `@odata.nextLink` until it is absent. Graph has been seen repeating the last
 * nextLink and linking back to earlier pages, so a link already fetched in this listing
 * is an error rather than a loop; `maxPages` catches longer cycles. Links to other origins
 * are refused by the HTTP client before any request.
 *
 * An iterator object rather than an async generator: a generator suspended at its `yield`
 * keeps the page it yielded (and the response body it came from) in its frame until the
 * consumer asks for the next one, which for a sync waiting on its database commits was a
 * raw page per user in flight, most of the heap measured early in a large backfill. This
 * one holds only the next link: a page lives as long as its consumer keeps it.
 */
export function paginate(
  http: GraphHttpClient,
  firstUrl: string,
  options: PaginateOptions,
): AsyncIterableIterator<GraphPage> {
  const context: ErrorContext = {
    userId: options.userId,
    chatId: options.chatId,
    stream: options.stream,
  };
  const fetched = new Set<string>();
  let url: string | undefined = new URL(firstUrl).href;
  let pageIndex = 0;
  /** A page and the link to the one after it. */
  const fetchPage = async (
    pageUrl: string,
  ): Promise<{ page: GraphPage; next: string | undefined }> => {
    if (pageIndex >= options.maxPages) {
      throw new GraphProtocolError(
        `${options.listing}: more than ${options.maxPages} pages; stopping, as this looks ` +
          "like a paging cycle (raise maxPages if the listing is really this long)",
        context,
      );
    }
    fetched.add(pageUrl);
    const { body, requestId } = await http.getJson(pageUrl, options);
    const envelope = readEnvelope(body, pageUrl, options.listing, context);
    // Graph sends absolute links; a relative one is resolved against the page it came from.
    const next: string | undefined =
      envelope.nextLink === undefined ? undefined : new URL(envelope.nextLink, pageUrl).href;
    // Checked before handing the page over: a listing that loops is broken as a whole, and
    // its last page should not be taken as if the listing had ended normally.
    if (next !== undefined && fetched.has(next)) {
      throw new GraphProtocolError(
        `${options.listing}: page ${pageIndex + 1} links to ${next}, which this listing ` +
          "already fetched (Graph's repeating nextLink); stopping instead of looping",
        context,
      );
    }
    const deltaLink =
      next === undefined && envelope.deltaLink !== undefined
        ? new URL(envelope.deltaLink, pageUrl).href
        : undefined;
    const page: GraphPage = {
      items: envelope.items,
      pageIndex: pageIndex++,
      last: next === undefined,
      url: pageUrl,
      requestId,
    };
    return { page: deltaLink === undefined ? page : { ...page, deltaLink }, next };
  };
  const pages: AsyncIterableIterator<GraphPage> = {
    async next(): Promise<IteratorResult<GraphPage>> {
      if (url === undefined) return { done: true, value: undefined };
      const pageUrl = url;
      // A failed page ends the listing: asking again must not refetch it.
      url = undefined;
      const { page, next } = await fetchPage(pageUrl);
      url = next;
      return { done: false, value: page };
    },
    async return(): Promise<IteratorResult<GraphPage>> {
      url = undefined;
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]: () => pages,
  };
  return pages;
}

interface Envelope {
  readonly items: readonly unknown[];
  readonly nextLink: string | undefined;
  readonly deltaLink: string | undefined;
}

function readEnvelope(
  body: unknown,
  url: string,
  listing: string,
  context: ErrorContext,
): Envelope {
  const page = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  const items = page.value;
  const nextLink = page["@odata.nextLink"];
  if (!Array.isArray(items)) {
    throw new GraphProtocolError(`${listing}: ${url} answered without a 'value' array`, context);
  }
  if (nextLink !== undefined && nextLink !== null && typeof nextLink !== "string") {
    throw new GraphProtocolError(`${listing}: ${url} sent a non-string @odata.nextLink`, context);
  }
  const deltaLink = page["@odata.deltaLink"];
  if (deltaLink !== undefined && deltaLink !== null && typeof deltaLink !== "string") {
    throw new GraphProtocolError(`${listing}: ${url} sent a non-string @odata.deltaLink`, context);
  }
  return { items, nextLink: nextLink || undefined, deltaLink: deltaLink || undefined };
}
