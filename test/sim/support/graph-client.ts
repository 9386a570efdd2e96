/** A minimal Graph client for simulator tests: authorized GETs, POSTs and page walking. */
import type { Simulator } from "../../../src/sim/index.ts";

export interface GraphAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** Parsed body (undefined when empty or not JSON). */
  readonly json: Record<string, unknown> | undefined;
}

export async function graph(
  sim: Simulator,
  pathOrUrl: string,
  init: {
    method?: string;
    body?: unknown;
    headers?: Record<string, string>;
    token?: string | null;
  } = {},
): Promise<GraphAnswer> {
  const url = pathOrUrl.startsWith("http") ? pathOrUrl : `${sim.url}${pathOrUrl}`;
  const headers: Record<string, string> = { ...init.headers };
  const token = init.token === undefined ? sim.token : init.token;
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers,
    body:
      init.body === undefined
        ? undefined
        : typeof init.body === "string"
          ? init.body
          : JSON.stringify(init.body),
  });
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = text === "" ? undefined : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export interface Walk {
  readonly items: Record<string, unknown>[];
  readonly pages: GraphAnswer[];
}

/** Follows `@odata.nextLink` until absent; fails on an error status or more than `maxPages`. */
export async function walk(sim: Simulator, firstPath: string, maxPages = 500): Promise<Walk> {
  const items: Record<string, unknown>[] = [];
  const pages: GraphAnswer[] = [];
  let next: string | undefined = firstPath;
  while (next !== undefined) {
    if (pages.length >= maxPages) throw new Error(`more than ${maxPages} pages from ${firstPath}`);
    const page = await graph(sim, next);
    if (page.status !== 200 || !page.json)
      throw new Error(`${page.status} from ${next}: ${page.text}`);
    pages.push(page);
    items.push(...(page.json.value as Record<string, unknown>[]));
    next = page.json["@odata.nextLink"] as string | undefined;
  }
  return { items, pages };
}

export function chatsPath(userId: string, query = ""): string {
  return `/v1.0/users/${encodeURIComponent(userId)}/chats${query === "" ? "" : `?${query}`}`;
}

export function errorOf(answer: GraphAnswer): { code: string; message: string } {
  const error = answer.json?.error as { code: string; message: string } | undefined;
  if (!error) throw new Error(`not a Graph error: ${answer.status} ${answer.text}`);
  return error;
}
