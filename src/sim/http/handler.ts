/**
 * One request through the simulator: route, read the body, bring operations up to the
 * clock, then for Graph routes: bearer check, throttle, fault rules, the handler,
 * nextLink/body faults, latency. Control routes skip all of that and are not logged.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { GRAPH_ROUTE_KINDS, type RouteKind } from "../route-kind.ts";
import { SimError, badRequest, userNotFound } from "../sim-error.ts";
import { applyDuePlans } from "../tenant/operation-progress.ts";
import { formatRetryAfter } from "../throttle/throttler.ts";
import { discoveryRoute, tokenRoute } from "../routes/auth.ts";
import { controlRoute } from "../routes/control.ts";
import { createChatRoute } from "../routes/create-chat.ts";
import { getChat } from "../routes/get-chat.ts";
import { listChats } from "../routes/list-chats.ts";
import { listMembers } from "../routes/list-members.ts";
import { getOperation, listOperations } from "../routes/operations.ts";
import { getUser, listUsers } from "../routes/users.ts";
import { echoSecrets, requestSecrets } from "../faults/echo-secrets.ts";
import { getMessage, listMessages } from "../routes/list-messages.ts";
import { getAllMessages } from "../routes/get-all-messages.ts";
import { getAllMessagesDelta } from "../routes/get-all-messages-delta.ts";
import type { FaultRequest } from "../faults/fault-engine.ts";
import { PROTECTED_API_MESSAGE } from "../faults/fault-rules.ts";
import type { GraphRequest, SimContext } from "./context.ts";
import { graphErrorBody, serializePage, type RouteOutput } from "./graph-response.ts";
import { toBuffers, type JsonChunks } from "./json-chunks.ts";
import { responseLatencyMs } from "./latency.ts";
import { matchRoute, splitPath, type MatchedRoute } from "./router.ts";

type Handler = (ctx: SimContext, req: GraphRequest) => RouteOutput;

const HANDLERS: Record<RouteKind, Handler> = {
  listUsers,
  getUser,
  listChats,
  getChat,
  listMembers,
  listOperations,
  getOperation,
  createChat: createChatRoute,
  listMessages,
  getMessage,
  getAllMessages,
  getAllMessagesDelta,
  token: tokenRoute,
  discovery: discoveryRoute,
  control: controlRoute,
  unknown: notFound,
};

function notFound(): never {
  throw new SimError(404, "NotFound", "No such route in the Graph simulator.");
}

const GRAPH_JSON =
  "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";
const MAX_BODY_BYTES = 1_000_000;

/** A finished answer: status, headers, body text; or `reset` to drop the connection. */
type Answer =
  { status: number; headers: Record<string, string>; body: JsonChunks } | { reset: true };

interface Notes {
  throttled: boolean;
  retryAfter: string | null;
  fault: string | null;
  /** Called once the answer went out (Retry-After bookkeeping). */
  sent: (() => void)[];
}

export function createRequestHandler(
  ctx: SimContext,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(ctx, req, res).catch((error: unknown) => {
      console.error("graph simulator: request failed", error);
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "application/json" });
      res.end(graphErrorBody("InternalServerError", "The simulator failed.", "", ""));
    });
  };
}

async function handle(ctx: SimContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = performance.now();
  const at = new Date().toISOString();
  const requestId = randomUUID();
  const clientRequestId = headerValue(req, "client-request-id") ?? requestId;
  const ids = { "request-id": requestId, "client-request-id": clientRequestId };
  const method = req.method ?? "GET";
  const url = new URL(req.url ?? "/", ctx.origin);
  const notes: Notes = { throttled: false, retryAfter: null, fault: null, sent: [] };
  const error = (e: SimError, headers: Record<string, string> = {}): Answer => ({
    status: e.status,
    headers: { ...ids, ...headers, "Content-Type": "application/json" },
    body: [graphErrorBody(e.code, e.message, requestId, clientRequestId)],
  });

  let route: MatchedRoute = { kind: "unknown", version: null };
  let answer: Answer | undefined;
  let body = "";
  try {
    route = matchRoute(method, splitPath(url.pathname));
    if (method !== "GET" && method !== "HEAD") body = await readBody(req);
  } catch (e) {
    if (!(e instanceof SimError)) throw e;
    answer = error(e);
  }
  applyDuePlans(ctx.store);
  const simTime = ctx.store.clock.now();
  const user = route.userRef === undefined ? undefined : ctx.store.findUser(route.userRef);
  const graphReq: GraphRequest = {
    route,
    method,
    url,
    query: url.searchParams,
    headers: req.headers,
    body,
    user,
  };

  if (route.kind === "control" && answer === undefined) {
    answer = run(ctx, graphReq, ids, notes, error, { kind: "control", hasSkipToken: false });
    await send(res, answer);
    return;
  }

  const faultReq: FaultRequest = {
    kind: route.kind,
    userId: user?.id ?? route.userRef,
    chatId: route.chatId,
    hasSkipToken: url.searchParams.has("$skiptoken"),
  };
  const target = { userId: faultReq.userId, chatId: route.chatId };
  const scopes = ctx.throttler.scopesOf(route.kind, target);
  const faultScope = `fault:${route.kind}:${route.chatId ?? faultReq.userId ?? "tenant"}`;
  for (const violation of ctx.tracker.arrive([...scopes, faultScope], method, url.pathname)) {
    ctx.stats.violation(violation);
  }

  answer ??=
    guard(ctx, graphReq, notes, error, faultReq, faultScope) ??
    run(ctx, graphReq, ids, notes, error, faultReq);
  if (!("reset" in answer) && ctx.faults.echoes(faultReq)) {
    notes.fault ??= "echoSecrets";
    answer = echoSecrets(answer, requestSecrets(req.headers, body));
  }
  const slowMs = ctx.faults.delayMs(faultReq);
  if (slowMs > 0) notes.fault ??= "slow";
  const delayMs = responseLatencyMs(ctx.settings, ctx.latencyRandom) + slowMs;
  if (delayMs > 0) await sleep(delayMs);
  await send(res, answer);
  for (const sent of notes.sent) sent();
  ctx.stats.record({
    seq: ctx.stats.nextSeq(),
    method,
    path: url.pathname,
    // A misused token endpoint could carry credentials in its query: never log that one.
    query: route.kind === "token" ? {} : Object.fromEntries(url.searchParams),
    status: "reset" in answer ? 0 : answer.status,
    routeKind: route.kind,
    userId: user?.id ?? null,
    chatId: route.chatId ?? null,
    throttled: notes.throttled,
    retryAfterSeconds: notes.retryAfter === null ? null : Number(notes.retryAfter),
    fault: notes.fault,
    at,
    arrivedAtMs: started,
    simTime,
    durationMs: performance.now() - started,
  });
}

/** Bearer check, throttle and error faults: an answer when the request stops here. */
function guard(
  ctx: SimContext,
  req: GraphRequest,
  notes: Notes,
  error: (e: SimError, headers?: Record<string, string>) => Answer,
  faultReq: FaultRequest,
  faultScope: string,
): Answer | undefined {
  if (GRAPH_ROUTE_KINDS.includes(req.route.kind)) {
    const auth = ctx.issuer.check(headerValue(req, "authorization"));
    if (!auth.ok) return error(new SimError(401, "InvalidAuthenticationToken", auth.message));
    if (ctx.faults.isRevoked(bearerToken(req))) return error(revokedToken());
    const decision = ctx.throttler.admit(req.route.kind, {
      userId: faultReq.userId,
      chatId: faultReq.chatId,
    });
    if (!decision.allowed) {
      notes.throttled = true;
      notes.retryAfter = formatRetryAfter(decision.retryAfterMs);
      notes.sent.push(ctx.tracker.expect(decision.scope, Number(notes.retryAfter) * 1000));
      const message =
        "Too many requests. Retry after the interval given in the Retry-After header.";
      return error(new SimError(429, "TooManyRequests", message), {
        "Retry-After": notes.retryAfter,
      });
    }
  }
  const fault = ctx.faults.before(faultReq);
  if (!fault) return undefined;
  notes.fault = fault.kind;
  switch (fault.kind) {
    case "connectionReset":
      return { reset: true };
    case "tokenRevoked":
      ctx.faults.revoke(bearerToken(req));
      return error(revokedToken());
    case "http500":
      return error(
        new SimError(500, "InternalServerError", "An internal server error occurred."),
        retryAfterHeaders(ctx, notes, fault.retryAfterSeconds, faultScope),
      );
    case "http503":
    case "http504": {
      const headers = retryAfterHeaders(ctx, notes, fault.retryAfterSeconds, faultScope);
      return fault.kind === "http503"
        ? error(
            new SimError(
              503,
              "ServiceNotAvailable",
              "The service is temporarily unavailable. Retry later.",
            ),
            headers,
          )
        : error(new SimError(504, "GatewayTimeout", "The request timed out upstream."), headers);
    }
    case "userError":
      return fault.status === 404
        ? error(userNotFound(req.route.userRef ?? ""))
        : error(
            new SimError(
              403,
              "Forbidden",
              "Forbidden: the application may not access this user's chats.",
            ),
          );
    case "invalidContinuationToken":
      return error(badRequest("Invalid continuation token."));
    case "protectedApi":
      return error(new SimError(403, "Forbidden", PROTECTED_API_MESSAGE));
  }
}

function run(
  ctx: SimContext,
  req: GraphRequest,
  ids: Record<string, string>,
  notes: Notes,
  error: (e: SimError) => Answer,
  faultReq: FaultRequest,
): Answer {
  let out: RouteOutput;
  try {
    out = HANDLERS[req.route.kind](ctx, req);
  } catch (e) {
    if (e instanceof SimError) return error(e);
    throw e;
  }
  const headers = { ...ids, ...out.headers };
  if ("empty" in out) return { status: out.status, headers, body: [] };
  let body: JsonChunks;
  if ("page" in out) {
    const fault = ctx.faults.onPage(faultReq, out.page.nextLink !== null);
    if (fault?.kind === "repeatNextLink") {
      out.page.nextLink = fault.target === "first" ? out.page.firstPageUrl : req.url.href;
    } else if (fault?.kind === "foreignNextLink" && out.page.nextLink !== null) {
      const link = new URL(out.page.nextLink);
      out.page.nextLink = `${fault.origin ?? "https://graph.evil.example"}${link.pathname}${link.search}`;
    }
    if (fault) notes.fault = fault.kind;
    body = serializePage(out.page);
  } else {
    body = "json" in out ? out.json : [JSON.stringify(out.body)];
  }
  if (out.status === 200 && req.route.kind !== "control" && ctx.faults.malformed(faultReq)) {
    notes.fault = "malformedJson";
    const whole = Buffer.concat(toBuffers(body));
    body = [whole.subarray(0, Math.floor(whole.length / 2))];
  }
  const contentType = GRAPH_ROUTE_KINDS.includes(req.route.kind)
    ? GRAPH_JSON
    : "application/json; charset=utf-8";
  // Graph's Date header tells its own clock: here, the simulated one (the pipeline bounds
  // its message reads by it, not by the machine's clock).
  const date: Record<string, string> = GRAPH_ROUTE_KINDS.includes(req.route.kind)
    ? { Date: new Date(ctx.store.clock.nowMs()).toUTCString() }
    : {};
  return {
    status: out.status,
    headers: { ...headers, ...date, "Content-Type": contentType },
    body,
  };
}

async function send(res: ServerResponse, answer: Answer): Promise<void> {
  if ("reset" in answer) {
    res.socket?.destroy();
    return;
  }
  const buffers = toBuffers(answer.body);
  const length = buffers.reduce((sum, b) => sum + b.length, 0);
  res.writeHead(answer.status, { ...answer.headers, "Content-Length": String(length) });
  // Corked, the pieces leave in one writev instead of being joined into one buffer first.
  res.cork();
  for (const buffer of buffers) res.write(buffer);
  res.uncork();
  await new Promise<void>((resolve) => res.end(resolve));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES)
      throw new SimError(413, "RequestEntityTooLarge", "The request body is too large.");
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function retryAfterHeaders(
  ctx: SimContext,
  notes: Notes,
  retryAfterSeconds: number | undefined,
  faultScope: string,
): Record<string, string> {
  if (retryAfterSeconds === undefined) return {};
  notes.retryAfter = String(retryAfterSeconds);
  notes.sent.push(ctx.tracker.expect(faultScope, retryAfterSeconds * 1000));
  return { "Retry-After": notes.retryAfter };
}

/** What Graph says to a token revoked (or expired early) before its stated lifetime. */
function revokedToken(): SimError {
  return new SimError(
    401,
    "InvalidAuthenticationToken",
    "Lifetime validation failed, the token is expired.",
  );
}

function bearerToken(req: { headers: IncomingMessage["headers"] }): string {
  return /^Bearer\s+(\S+)/i.exec(headerValue(req, "authorization") ?? "")?.[1] ?? "";
}

function headerValue(
  req: { headers: IncomingMessage["headers"] },
  name: string,
): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
