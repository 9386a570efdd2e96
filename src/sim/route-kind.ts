/** What a request is, for throttling, fault targeting and statistics. */
export const ROUTE_KINDS = [
  "listUsers",
  "getUser",
  "listChats",
  "getChat",
  "listMembers",
  "listOperations",
  "getOperation",
  "listMessages",
  "getMessage",
  "getAllMessages",
  "getAllMessagesDelta",
  "createChat",
  "listMessages",
  "getMessage",
  "getAllMessages",
  "getAllMessagesDelta",
  "token",
  "discovery",
  "control",
  "unknown",
] as const;

export type RouteKind = (typeof ROUTE_KINDS)[number];

/** The routes that stand for Graph itself (bearer token, throttling, latency, faults). */
export const GRAPH_ROUTE_KINDS: readonly RouteKind[] = [
  "listUsers",
  "getUser",
  "listChats",
  "getChat",
  "listMembers",
  "listOperations",
  "getOperation",
  "listMessages",
  "getMessage",
  "getAllMessages",
  "getAllMessagesDelta",
  "createChat",
  "listMessages",
  "getMessage",
  "getAllMessages",
  "getAllMessagesDelta",
];
