/**
 * Control routes under `/_sim` (no bearer token, not throttled, not logged):
 *   GET  /_sim/info                  url, tenant id, client id, token endpoint, CA file
 *   GET  /_sim/stats[?log=false]     counters, violations, request log
 *   POST /_sim/stats/reset
 *   GET  /_sim/state                 the ground truth (SimState)
 *   POST /_sim/mutations             one SimMutation or an array; answers { results }
 *   POST /_sim/time/advance          { "ms": n }
 *   GET  /_sim/faults                the current fault rules and how often each fired
 *   PUT  /_sim/faults                replace the rules (FaultRule[]; [] clears)
 *   PUT  /_sim/settings              { latencyMs?, latencyJitterMs?, rateScale?, listLastUpdatedSkewMs? }
 *   GET  /_sim/messages              message count per live chat, and the total
 *   GET  /_sim/messages/{chatId}     that chat's messages, oldest first (SimMessage[])
 *   GET  /_sim/messages/{chatId}/{messageId}
 */
import { z } from "zod";
import { faultRulesSchema } from "../faults/fault-rules.ts";
import type { GraphRequest, SimContext } from "../http/context.ts";
import type { RouteOutput } from "../http/graph-response.ts";
import { SimError, badRequest } from "../sim-error.ts";
import { simMutationSchema } from "../tenant/mutation.ts";

const settingsSchema = z.object({
  latencyMs: z.number().nonnegative().optional(),
  latencyJitterMs: z.number().nonnegative().optional(),
  rateScale: z.number().nonnegative().optional(),
  listLastUpdatedSkewMs: z.number().int().nonnegative().optional(),
});

export function controlRoute(ctx: SimContext, req: GraphRequest): RouteOutput {
  const segments = req.route.control ?? [];
  if (segments[0] === "messages" && req.method === "GET") return messagesTruth(ctx, segments);
  const path = segments.join("/");
  const route = `${req.method} ${path}`;
  switch (route) {
    case "GET info":
      return ok(ctx.info());
    case "GET stats": {
      const stats = ctx.stats.snapshot(ctx.faults.counts());
      return ok(req.query.get("log") === "false" ? { ...stats, log: [] } : stats);
    }
    case "POST stats/reset":
      ctx.stats.reset();
      ctx.tracker.reset();
      return ok({ reset: true });
    case "GET state":
      return ok(ctx.tenant.state());
    case "POST mutations": {
      const input = parse(z.union([simMutationSchema, z.array(simMutationSchema)]), req.body);
      const mutations = Array.isArray(input) ? input : [input];
      return ok({ results: mutations.map((m) => ctx.tenant.apply(m) ?? null) });
    }
    case "POST time/advance": {
      const { ms } = parse(z.object({ ms: z.number().nonnegative() }), req.body);
      ctx.tenant.advanceTime(ms);
      return ok({ now: ctx.store.clock.now() });
    }
    case "GET faults":
      return ok({ rules: ctx.faults.rules(), fired: ctx.faults.counts() });
    case "PUT faults":
    case "POST faults":
      ctx.faults.set(parse(faultRulesSchema, req.body));
      return ok({ rules: ctx.faults.rules() });
    case "PUT settings":
    case "POST settings": {
      const settings = parse(settingsSchema, req.body);
      if (settings.latencyMs !== undefined) ctx.settings.latencyMs = settings.latencyMs;
      if (settings.latencyJitterMs !== undefined)
        ctx.settings.latencyJitterMs = settings.latencyJitterMs;
      if (settings.listLastUpdatedSkewMs !== undefined)
        ctx.settings.listLastUpdatedSkewMs = settings.listLastUpdatedSkewMs;
      if (settings.rateScale !== undefined)
        ctx.throttler.configure({ rateScale: settings.rateScale });
      return ok({ ...ctx.settings, rateScale: ctx.throttler.rateScale });
    }
    default:
      throw new SimError(404, "NotFound", `No control route ${route}.`);
  }
}

/** The ground truth of messages, kept out of `/_sim/state` (a large tenant holds millions). */
function messagesTruth(ctx: SimContext, segments: readonly string[]): RouteOutput {
  const [, chatId, messageId] = segments;
  if (chatId === undefined) {
    const chats = [...ctx.store.allChats()].map((entry) => ({
      chatId: entry.state.id,
      count: ctx.tenant.messageCount(entry.state.id),
    }));
    return ok({ total: chats.reduce((sum, c) => sum + c.count, 0), chats });
  }
  if (!ctx.store.findChat(chatId)) throw new SimError(404, "NotFound", `No chat ${chatId}.`);
  if (messageId === undefined) return ok({ chatId, messages: ctx.tenant.messages(chatId) });
  const message = ctx.tenant.message(chatId, messageId);
  if (!message) throw new SimError(404, "NotFound", `No message ${messageId} in chat ${chatId}.`);
  return ok(message);
}

function ok(body: unknown): RouteOutput {
  return { status: 200, body };
}

function parse<T>(schema: z.ZodType<T>, text: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw badRequest("The body must be JSON.");
  }
  const result = schema.safeParse(json);
  if (!result.success) throw badRequest(`Invalid body: ${z.prettifyError(result.error)}`);
  return result.data;
}
