/** The Graph simulator: a stand-in for Microsoft Graph's Teams chat APIs and Entra's token endpoint. */
export { startSimulator, type Simulator } from "./simulator.ts";
export {
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  DEFAULT_SIM_TOKEN,
  type SimulatorOptions,
} from "./options.ts";
export * from "./model.ts";
export { generateTenant, type GeneratedTenant, type TenantOptions } from "./generate/tenant.ts";
export type { ExtraUser } from "./generate/users.ts";
export { EXTERNAL_MEMBER_KINDS, type ExternalMemberKind } from "./generate/members.ts";
export { SimTenant } from "./tenant/sim-tenant.ts";
export type { AddMemberInput, PostMessageInput } from "./tenant/mutations.ts";
export type { EditMessageInput, ReactionInput } from "./tenant/message-mutations.ts";
export type { ActivityInput, ActivitySummary } from "./tenant/activity.ts";
export type { MessageVolumeOptions } from "./generate/message-volume.ts";
export type { CreateChatResult, OperationTimings } from "./tenant/create-chat.ts";
export { simMutationSchema, type SimMutation } from "./tenant/mutation.ts";
export {
  faultRuleSchema,
  faultRulesSchema,
  type FaultKind,
  type FaultRule,
} from "./faults/fault-rules.ts";
export type { RequestLogEntry, SimStats } from "./observe/stats.ts";
export type { RetryAfterViolation } from "./throttle/retry-after-tracker.ts";
export { THROTTLE_RULES, type ThrottleRule } from "./throttle/throttle-policy.ts";
export { ROUTE_KINDS, type RouteKind } from "./route-kind.ts";
export { SimClock, DEFAULT_CLOCK_START, type SimClockOptions } from "./clock.ts";
export type { SimTlsInfo } from "./tls.ts";
export { SimError } from "./sim-error.ts";
export { EXPANDED_MEMBER_CAP } from "./wire/chat-fragments.ts";
export { formatGraphTime, graphTimeToMs } from "./graph-time.ts";
