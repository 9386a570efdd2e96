/**
 * Fault injection rules, as data (programmatic `setFaults`, `faults` option, or
 * `PUT /_sim/faults`). Every rule is targetable (route kinds, users, chats), fires with
 * a seeded probability `share`, and at most `count` times, so a test can make a run
 * fail a known number of times and then succeed.
 */
import { z } from "zod";
import { ROUTE_KINDS, type RouteKind } from "../route-kind.ts";

const targeting = {
  /** Route kinds it applies to (default: every Graph route). */
  routes: z.array(z.enum(ROUTE_KINDS)).optional(),
  /** Only requests about these users (ids or UPNs, as in the path). */
  users: z.array(z.string()).optional(),
  /** Only requests about these chats. */
  chats: z.array(z.string()).optional(),
  /** Probability per matching request, drawn from the seeded PRNG (default 1). */
  share: z.number().min(0).max(1).optional(),
  /** Fires at most this many times (default: no limit). */
  count: z.number().int().nonnegative().optional(),
};

export const faultRuleSchema = z.discriminatedUnion("kind", [
  /** 503 Service Unavailable, optionally with Retry-After (seconds, may be fractional). */
  z.object({
    kind: z.literal("http503"),
    retryAfterSeconds: z.number().nonnegative().optional(),
    ...targeting,
  }),
  /** 504 Gateway Timeout, optionally with Retry-After. */
  z.object({
    kind: z.literal("http504"),
    retryAfterSeconds: z.number().nonnegative().optional(),
    ...targeting,
  }),
  /** 500 Internal Server Error, optionally with Retry-After. */
  z.object({
    kind: z.literal("http500"),
    retryAfterSeconds: z.number().nonnegative().optional(),
    ...targeting,
  }),
  /**
   * 401 InvalidAuthenticationToken, and the token the request carried stays refused from
   * then on, as a token revoked or expired early: only a new token gets through.
   */
  z.object({ kind: z.literal("tokenRevoked"), ...targeting }),
  /**
   * The request's credentials come back in the answer (a broken proxy, a hostile Graph):
   * its bearer token, or on the token route the client secret or assertion it posted, is
   * appended to every header (but Content-Type and Retry-After) and to every string field
   * of an error body. Name `token` in `routes` to include the token endpoint.
   */
  z.object({ kind: z.literal("echoSecrets"), ...targeting }),
  /** The socket is destroyed without a response. */
  z.object({ kind: z.literal("connectionReset"), ...targeting }),
  /** The response is held back `delayMs` more (on top of `latencyMs`). */
  z.object({ kind: z.literal("slow"), delayMs: z.number().nonnegative(), ...targeting }),
  /** 200 with the body cut in half (invalid JSON). */
  z.object({ kind: z.literal("malformedJson"), ...targeting }),
  /** The last page carries a nextLink again: to itself (`self`) or to the first page (`first`). */
  z.object({
    kind: z.literal("repeatNextLink"),
    target: z.enum(["self", "first"]).optional(),
    ...targeting,
  }),
  /** A request with a `$skiptoken` (mid-listing) gets 400 "Invalid continuation token". */
  z.object({ kind: z.literal("invalidContinuationToken"), ...targeting }),
  /** A nextLink on another origin (default `https://graph.evil.example`). */
  z.object({
    kind: z.literal("foreignNextLink"),
    origin: z.string().url().optional(),
    ...targeting,
  }),
  /**
   * Message routes (by default) answer 403 as Graph does for an app without protected-API
   * approval: `Invoked API requires Protected API access in application-only context…`.
   */
  z.object({ kind: z.literal("protectedApi"), ...targeting }),
  /** Requests about the targeted users fail with 403 or 404. */
  z.object({
    kind: z.literal("userError"),
    status: z.union([z.literal(403), z.literal(404)]),
    ...targeting,
  }),
]);

export type FaultRule = z.infer<typeof faultRuleSchema>;
export type FaultKind = FaultRule["kind"];

export const faultRulesSchema = z.array(faultRuleSchema);

/** Where `protectedApi` applies unless a rule names its routes. */
export const MESSAGE_ROUTE_KINDS: readonly RouteKind[] = [
  "listMessages",
  "getMessage",
  "getAllMessages",
  "getAllMessagesDelta",
];

export const PROTECTED_API_MESSAGE =
  "Invoked API requires Protected API access in application-only context when not using Resource Specific Consent. Visit https://docs.microsoft.com/en-us/graph/teams-protected-apis for more details.";
