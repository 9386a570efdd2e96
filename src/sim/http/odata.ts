/** OData query options, validated the way Graph rejects what a route does not support. */
import { badRequest } from "../sim-error.ts";

/** Fails on `$`-options the route does not know (Graph answers 400 for those). */
export function rejectUnsupported(query: URLSearchParams, allowed: readonly string[]): void {
  for (const key of query.keys()) {
    if (key.startsWith("$") && !allowed.includes(key)) {
      throw badRequest(`Query option '${key}' is not supported by this API.`);
    }
  }
}

export interface TopLimits {
  readonly defaultTop: number;
  readonly maxTop: number;
  /** Graph's message for a too-large value differs by API. */
  readonly tooLarge: (value: number) => string;
}

export function parseTop(query: URLSearchParams, limits: TopLimits, name = "$top"): number {
  const raw = query.get(name);
  if (raw === null) return limits.defaultTop;
  if (!/^\d+$/.test(raw.trim()))
    throw badRequest(`Invalid value '${raw}' for query option '${name}'.`);
  const value = Number(raw);
  if (value > limits.maxTop) throw badRequest(limits.tooLarge(value));
  if (value < 1)
    throw badRequest(`Invalid value '${raw}' for query option '${name}'; it must be at least 1.`);
  return value;
}

export function parseSkip(query: URLSearchParams): number {
  const raw = query.get("$skip");
  if (raw === null) return 0;
  if (!/^\d+$/.test(raw.trim()))
    throw badRequest(`Invalid value '${raw}' for query option '$skip'.`);
  return Number(raw);
}

export type ChatExpansion = "members" | "lastMessagePreview";

/** `$expand=members`, `lastMessagePreview`, or both (comma-separated), in the order given. */
export function parseChatExpand(query: URLSearchParams): ChatExpansion[] {
  const raw = query.get("$expand");
  if (raw === null) return [];
  const parts = raw.split(",").map((p) => p.trim());
  const result: ChatExpansion[] = [];
  for (const part of parts) {
    if (part !== "members" && part !== "lastMessagePreview") {
      throw badRequest(
        `Parsing OData Select and Expand failed: Could not find a property named '${part}' on type 'microsoft.graph.chat'.`,
      );
    }
    if (result.includes(part))
      throw badRequest(`Parsing OData Select and Expand failed: '${part}' is expanded twice.`);
    result.push(part);
  }
  return result;
}

/** The only documented ordering: `lastMessagePreview/createdDateTime desc`. */
export function parseChatOrderBy(query: URLSearchParams): "lastMessagePreview" | null {
  const raw = query.get("$orderby");
  if (raw === null) return null;
  const normalized = raw.trim().replace(/\s+/g, " ");
  if (/^lastMessagePreview\/createdDateTime desc$/i.test(normalized)) return "lastMessagePreview";
  if (/^lastMessagePreview\/createdDateTime( asc)?$/i.test(normalized)) {
    throw badRequest(
      "Ascending order is not supported for lastMessagePreview/createdDateTime; use desc.",
    );
  }
  throw badRequest(
    `The $orderby expression '${raw}' is not supported; only 'lastMessagePreview/createdDateTime desc' is.`,
  );
}

/** The documented filter: `installedApps/any(a:a/teamsApp/id eq '<app id>')`. Returns the app id. */
export function parseChatFilter(query: URLSearchParams): string | null {
  const raw = query.get("$filter");
  if (raw === null) return null;
  const match = /^installedApps\/any\((\w+):\s*\1\/teamsApp\/id eq '([^']*)'\)$/.exec(raw.trim());
  if (!match)
    throw badRequest(`Invalid filter clause: the filter '${raw}' is not supported on chats.`);
  return match[2] ?? "";
}

/** Operations support `status eq '…'` and `operationType eq '…'` (joined with `and`). */
export function parseOperationFilter(
  query: URLSearchParams,
): { field: "status" | "operationType"; value: string }[] {
  const raw = query.get("$filter");
  if (raw === null) return [];
  return raw.split(/\s+and\s+/i).map((clause) => {
    const match = /^(status|operationType) eq '([^']*)'$/.exec(clause.trim());
    if (!match) throw badRequest(`Invalid filter clause '${clause}'.`);
    return { field: match[1] as "status" | "operationType", value: match[2] ?? "" };
  });
}
