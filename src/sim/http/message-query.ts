/**
 * OData options of the chat message routes, validated as Graph does (docs/graph.md,
 * "Chat messages"): `$top` at most 50; `$orderby` on `lastModifiedDateTime` (the default) or
 * `createdDateTime`, descending only; `$filter` with `gt`/`lt` on lastModifiedDateTime
 * and `lt` on createdDateTime, any other operator a 400 naming it; and a filter that
 * does not match the `$orderby` property is ignored, silently. Option names are
 * case-insensitive (`$orderBy` in the docs).
 */
import type { KeyRange, MessageOrder } from "../messages/chat-view.ts";
import { compareKeys, parseTimeKey, type TimeKey } from "../messages/time-key.ts";
import { badRequest } from "../sim-error.ts";

export const MESSAGES_TOP = { defaultTop: 20, maxTop: 50 } as const;

export interface FilterClause {
  readonly property: MessageOrder;
  readonly operator: "gt" | "lt";
  readonly key: TimeKey;
}

export interface MessageListQuery {
  readonly top: number;
  readonly order: MessageOrder;
  /** The filter as applied (empty when ignored). */
  readonly range: KeyRange;
}

const OPERATION_KINDS: Record<string, string> = {
  eq: "Equal",
  ne: "NotEqual",
  gt: "GreaterThan",
  ge: "GreaterThanOrEqual",
  lt: "LessThan",
  le: "LessThanOrEqual",
};

const ALLOWED: Record<MessageOrder, readonly string[]> = {
  lastModifiedDateTime: ["gt", "lt"],
  createdDateTime: ["lt"],
};

/** `$`-options by lower-cased name; unknown ones answer 400. */
export function messageOptions(
  query: URLSearchParams,
  allowed: readonly string[],
): Map<string, string> {
  const options = new Map<string, string>();
  for (const [key, value] of query) {
    if (!key.startsWith("$")) continue;
    const name = key.toLowerCase();
    if (!allowed.includes(name)) {
      throw badRequest(`Query option '${key}' is not supported by this API.`);
    }
    options.set(name, value);
  }
  return options;
}

export function parseMessageTop(options: Map<string, string>): number {
  const raw = options.get("$top");
  if (raw === undefined) return MESSAGES_TOP.defaultTop;
  if (!/^\d+$/.test(raw.trim()))
    throw badRequest(`Invalid value '${raw}' for query option '$top'.`);
  const value = Number(raw);
  if (value > MESSAGES_TOP.maxTop) {
    throw badRequest(
      `The limit of '${MESSAGES_TOP.maxTop}' for Top query has been exceeded. The value from the incoming request is '${value}'.`,
    );
  }
  if (value < 1) throw badRequest(`Invalid value '${raw}' for query option '$top'.`);
  return value;
}

export function parseMessageOrder(raw: string | undefined): MessageOrder | null {
  if (raw === undefined) return null;
  const match = /^\s*(\w+)(?:\s+(asc|desc))?\s*$/i.exec(raw);
  const property = propertyName(match?.[1] ?? "");
  if (!match || property === null) {
    throw badRequest(`QueryOptions to order by '${raw.trim()}' is not supported.`);
  }
  if (match[2]?.toLowerCase() !== "desc") {
    throw badRequest(
      `QueryOptions to order by '${capitalized(property)}' in 'Ascending' direction is not supported.`,
    );
  }
  return property;
}

/** Clauses joined by `and`; each checked against what the property allows. */
export function parseMessageFilter(
  raw: string | undefined,
  allowed: Record<MessageOrder, readonly string[]> = ALLOWED,
): FilterClause[] {
  if (raw === undefined) return [];
  return raw
    .trim()
    .split(/\s+and\s+/i)
    .map((clause) => {
      const match = /^(\w+)\s+(\w+)\s+(\S+)$/.exec(clause.trim());
      const operator = match?.[2]?.toLowerCase() ?? "";
      const kind = OPERATION_KINDS[operator];
      if (!match || kind === undefined) throw badRequest(`Invalid filter clause '${clause}'.`);
      const property = propertyName(match[1] ?? "");
      if (property === null) {
        throw badRequest(
          `Could not find a property named '${match[1] ?? ""}' on type 'microsoft.graph.chatMessage' usable in $filter.`,
        );
      }
      if (!(allowed[property] ?? []).includes(operator)) {
        throw badRequest(
          `The entity property '${property}' and operationKind '${kind}' is not allowed in $filter query.`,
        );
      }
      const key = parseTimeKey(match[3] ?? "");
      if (!key) throw badRequest(`The DateTimeOffset text '${match[3] ?? ""}' is not valid.`);
      return { property, operator: operator as "gt" | "lt", key };
    });
}

/** The strictest bounds of the clauses on one property. */
export function rangeOf(clauses: readonly FilterClause[], property: MessageOrder): KeyRange {
  let after: TimeKey | undefined;
  let before: TimeKey | undefined;
  for (const clause of clauses) {
    if (clause.property !== property) continue;
    if (clause.operator === "gt" && (after === undefined || compareKeys(clause.key, after) > 0))
      after = clause.key;
    if (clause.operator === "lt" && (before === undefined || compareKeys(clause.key, before) < 0))
      before = clause.key;
  }
  return { after, before };
}

/** `GET /chats/{id}/messages`. */
export function parseMessageListQuery(query: URLSearchParams): MessageListQuery {
  const options = messageOptions(query, ["$top", "$orderby", "$filter", "$skiptoken"]);
  const top = parseMessageTop(options);
  const orderBy = parseMessageOrder(options.get("$orderby"));
  const clauses = parseMessageFilter(options.get("$filter"));
  const order = orderBy ?? "lastModifiedDateTime";
  // Graph applies a filter only with an $orderby on the same property; otherwise it is ignored.
  return { top, order, range: orderBy === null ? {} : rangeOf(clauses, orderBy) };
}

/** Part of a listing's identity, so a token is not replayed on another filter. */
export function rangeSignature(range: KeyRange): string {
  const part = (key: TimeKey | undefined): string =>
    key === undefined ? "" : `${key.ms}.${key.ticks}`;
  return `${part(range.after)}~${part(range.before)}`;
}

function propertyName(name: string): MessageOrder | null {
  const lower = name.toLowerCase();
  if (lower === "lastmodifieddatetime") return "lastModifiedDateTime";
  if (lower === "createddatetime") return "createdDateTime";
  return null;
}

function capitalized(property: string): string {
  return property.charAt(0).toUpperCase() + property.slice(1);
}
