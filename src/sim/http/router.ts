/**
 * Maps a method and decoded path segments to a route kind and its parameters. Graph
 * paths start with the version (`v1.0`, `beta`); auth paths with the tenant; control
 * paths with `_sim`.
 */
import type { RouteKind } from "../route-kind.ts";
import { SimError, badRequest } from "../sim-error.ts";

export interface MatchedRoute {
  readonly kind: RouteKind;
  readonly version: "v1.0" | "beta" | null;
  readonly userRef?: string;
  readonly chatId?: string;
  readonly operationId?: string;
  readonly messageId?: string;
  readonly tenant?: string;
  /** For discovery routes: which document. */
  readonly document?: "openid" | "instance" | "keys";
  /** For control routes: the path after `_sim`. */
  readonly control?: readonly string[];
}

export function splitPath(pathname: string): string[] {
  try {
    return pathname
      .split("/")
      .filter((s) => s !== "")
      .map((s) => decodeURIComponent(s));
  } catch {
    throw badRequest(`Malformed path '${pathname}'.`);
  }
}

export function matchRoute(method: string, segments: readonly string[]): MatchedRoute {
  const [first, ...rest] = segments;
  if (first === "_sim") return { kind: "control", version: null, control: rest };
  if (first === "v1.0" || first === "beta") return graphRoute(method, first, rest);
  return authRoute(method, segments);
}

/** OData's key-in-parentheses form of a segment pair, `chats('19:…')` for `chats/19:…`. */
const KEYED = /^(users|chats|operations)\('((?:[^']|'')*)'\)$/;

/**
 * Graph accepts `/users('{id}')` and `/chats('{id}')` wherever it accepts `/users/{id}` and
 * `/chats/{id}` (the key syntax of OData; the docs bind users as `users('…')`, and the 202
 * of `POST /chats` points at `/chats('…')/operations('…')`). Splits such segments in two and
 * says which entity sets were addressed that way.
 */
function expandKeys(s: readonly string[]): { segments: string[]; keyed: Set<string> } {
  const segments: string[] = [];
  const keyed = new Set<string>();
  for (const segment of s) {
    const match = KEYED.exec(segment);
    if (!match?.[1] || match[2] === undefined) segments.push(segment);
    else {
      segments.push(match[1], match[2].replaceAll("''", "'"));
      keyed.add(match[1]);
    }
  }
  return { segments, keyed };
}

function graphRoute(
  method: string,
  version: "v1.0" | "beta",
  path: readonly string[],
): MatchedRoute {
  const get = (route: MatchedRoute): MatchedRoute => requireMethod(method, "GET", route);
  const { segments: s, keyed } = expandKeys(path);
  const message = messageRoute(version, s);
  if (message) return get(message);
  if (s[0] === "users") {
    const userRef = s[1];
    if (s.length === 1) return get({ kind: "listUsers", version });
    if (s.length === 2) return get({ kind: "getUser", version, userRef });
    if (s[2] === "chats" && s.length === 3) return get({ kind: "listChats", version, userRef });
    if (s[2] === "chats" && s.length === 4)
      return get({ kind: "getChat", version, userRef, chatId: s[3] });
    if (s[2] === "chats" && s[4] === "members" && s.length === 5) {
      return get({ kind: "listMembers", version, userRef, chatId: s[3] });
    }
  }
  if (s[0] === "chats") {
    if (s.length === 1 && method === "POST") return { kind: "createChat", version };
    if (s.length === 1 && method === "GET") {
      throw badRequest(
        "Requested API is not supported in application-only context. Use /users/{id}/chats.",
      );
    }
    const chatId = s[1];
    if (s.length === 2) return get({ kind: "getChat", version, chatId });
    if (s[2] === "members" && s.length === 3) return get({ kind: "listMembers", version, chatId });
    if (s[2] === "operations") {
      // v1.0's chat has no operations navigation property: Graph answers 400 for the segment.
      // The Location of a 202 (`operations('…')`) is polled under the version that gave it.
      const location = keyed.has("operations") && s.length === 4;
      if (version !== "beta" && !location)
        throw badRequest("Resource not found for the segment 'operations'.");
      if (s.length === 3) return get({ kind: "listOperations", version, chatId });
      if (s.length === 4) return get({ kind: "getOperation", version, chatId, operationId: s[3] });
    }
  }
  throw new SimError(400, "BadRequest", `Resource not found for the segment '${s[0] ?? ""}'.`);
}

/**
 * Chat messages: `chats/{id}/messages[/{id}]`, the same under `users/{id}/`, and
 * `users/{id}/chats/getAllMessages[/delta]` (also with `()`, as function calls).
 */
function messageRoute(version: "v1.0" | "beta", s: readonly string[]): MatchedRoute | undefined {
  const fn = (segment: string | undefined, name: string): boolean =>
    segment !== undefined && segment.replace(/\(\)$/, "").toLowerCase() === name.toLowerCase();
  const inUser = s[0] === "users" && s[2] === "chats" ? 3 : s[0] === "chats" ? 1 : -1;
  if (inUser < 0) return undefined;
  const userRef = inUser === 3 ? s[1] : undefined;
  if (userRef !== undefined && fn(s[3], "getAllMessages")) {
    if (s.length === 4) return { kind: "getAllMessages", version, userRef };
    if (s.length === 5 && fn(s[4], "delta"))
      return { kind: "getAllMessagesDelta", version, userRef };
    return undefined;
  }
  const chatId = s[inUser];
  if (s[inUser + 1] !== "messages") return undefined;
  if (s.length === inUser + 2) return { kind: "listMessages", version, userRef, chatId };
  if (s.length === inUser + 3) {
    return { kind: "getMessage", version, userRef, chatId, messageId: s[inUser + 2] };
  }
  return undefined;
}

function authRoute(method: string, s: readonly string[]): MatchedRoute {
  const [tenant, ...rest] = s;
  const path = rest.join("/");
  if (tenant !== undefined && path === "oauth2/v2.0/token") {
    return requireMethod(method, "POST", { kind: "token", version: null, tenant });
  }
  if (
    tenant !== undefined &&
    (path === "v2.0/.well-known/openid-configuration" ||
      path === ".well-known/openid-configuration")
  ) {
    return requireMethod(method, "GET", {
      kind: "discovery",
      version: null,
      tenant,
      document: "openid",
    });
  }
  if (tenant !== undefined && path === "discovery/instance") {
    return requireMethod(method, "GET", {
      kind: "discovery",
      version: null,
      tenant,
      document: "instance",
    });
  }
  if (tenant !== undefined && path === "discovery/v2.0/keys") {
    return requireMethod(method, "GET", {
      kind: "discovery",
      version: null,
      tenant,
      document: "keys",
    });
  }
  return { kind: "unknown", version: null };
}

function requireMethod(method: string, allowed: string, route: MatchedRoute): MatchedRoute {
  if (method !== allowed)
    throw new SimError(
      405,
      "Request_BadRequest",
      `Method ${method} is not allowed here; use ${allowed}.`,
    );
  return route;
}
