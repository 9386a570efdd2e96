/**
 * Mutations as data: the same union drives `SimTenant.apply()` and the control route
 * `POST /_sim/mutations`, whose untrusted JSON body is validated with this schema.
 */
import { z } from "zod";
import { EXTERNAL_MEMBER_KINDS } from "../generate/members.ts";
import { OPERATION_STATUSES } from "../generate/operations.ts";

const chatId = z.string().min(1);
const timestamp = z.string().refine((s) => !Number.isNaN(Date.parse(s)), "an ISO timestamp");

export const simMutationSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("renameChat"), chatId, topic: z.string(), by: z.string().optional() }),
  z.object({
    type: z.literal("addMember"),
    chatId,
    userId: z.string().optional(),
    external: z.enum(EXTERNAL_MEMBER_KINDS).optional(),
    roles: z.array(z.string()).optional(),
    visibleHistoryStartDateTime: timestamp.optional(),
    by: z.string().optional(),
  }),
  z.object({
    type: z.literal("removeMember"),
    chatId,
    membershipId: z.string().optional(),
    userId: z.string().optional(),
    by: z.string().optional(),
  }),
  z.object({
    type: z.literal("postMessage"),
    chatId,
    from: z.string().optional(),
    application: z.object({ id: z.string(), displayName: z.string() }).optional(),
    content: z.string().optional(),
    contentType: z.enum(["text", "html"]).optional(),
    deleted: z.boolean().optional(),
  }),
  z.object({ type: z.literal("markRead"), chatId, userId: z.string(), at: timestamp.optional() }),
  z.object({ type: z.literal("setHidden"), chatId, userId: z.string(), hidden: z.boolean() }),
  z.object({ type: z.literal("setHiddenForAllMembers"), chatId, hidden: z.boolean() }),
  z.object({ type: z.literal("leaveChat"), chatId, userId: z.string() }),
  z.object({ type: z.literal("deleteChat"), chatId }),
  z.object({
    type: z.literal("progressOperation"),
    chatId,
    operationId: z.string(),
    status: z.enum(OPERATION_STATUSES).optional(),
  }),
  z.object({ type: z.literal("advanceTime"), ms: z.number().nonnegative() }),
  z.object({
    type: z.literal("editMessage"),
    chatId,
    messageId: z.string().min(1),
    content: z.string().optional(),
    contentType: z.enum(["text", "html"]).optional(),
  }),
  z.object({ type: z.literal("deleteMessage"), chatId, messageId: z.string().min(1) }),
  z.object({
    type: z.literal("reactToMessage"),
    chatId,
    messageId: z.string().min(1),
    userId: z.string().min(1),
    reactionType: z.string().min(1),
    displayName: z.string().nullable().optional(),
    reactionContentUrl: z.string().nullable().optional(),
  }),
  z.object({
    type: z.literal("unreactToMessage"),
    chatId,
    messageId: z.string().min(1),
    userId: z.string().min(1),
    reactionType: z.string().min(1),
  }),
  z.object({
    type: z.literal("simulateActivity"),
    ms: z.number().nonnegative().optional(),
    activeChatShare: z.number().min(0).max(1).optional(),
    messagesPerActiveChat: z.number().int().nonnegative().optional(),
    oldMessageChanges: z.number().int().nonnegative().optional(),
  }),
  z.object({
    type: z.literal("addUser"),
    id: z.string().min(1),
    displayName: z.string().optional(),
    userPrincipalName: z.string().optional(),
    mail: z.string().nullable().optional(),
  }),
]);

/** One tenant change; `type` names the `SimTenant` method it calls. */
export type SimMutation = z.infer<typeof simMutationSchema>;
