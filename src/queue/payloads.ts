/**
 * What a job carries, validated when the job runs (a payload is data from the database,
 * written by whichever version queued it): the run request (the tenant's name and the sync
 * options, never a secret), a batch's users, the run a finish closes.
 */
import { z } from "zod";
import { TENANT_NAME_PATTERN } from "../load/tenants.ts";
import type { SyncOptions } from "../sync/options.ts";
import { STREAMS, type Stream } from "../sync/ports.ts";

/**
 * Users per batch job. A retry goes on where the attempt stopped (users it committed are
 * skipped), so a large batch costs a retry little; what a batch costs is its end, when its
 * last users are too few to fill the tenant's budget before the next job starts. Large
 * batches make that rare; `--job-minutes` still splits a long one (docs/decisions.md).
 */
export const DEFAULT_BATCH_USERS = 1_000;
/** Attempts of each job (graphile-worker backs off e^attempt seconds between them). */
export const DEFAULT_MAX_ATTEMPTS = 8;

const stream = z.string().refine((s): s is Stream => (STREAMS as readonly string[]).includes(s), {
  message: `must be one of ${STREAMS.join(", ")}`,
});

export const runRequestSchema = z.object({
  tenant: z.string().regex(TENANT_NAME_PATTERN),
  trigger: z.enum(["manual", "cron", "backfill"]),
  streams: z.array(stream).min(1),
  users: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("all") }),
    z.object({ kind: z.literal("list"), ids: z.array(z.string().min(1)).min(1) }),
  ]),
  concurrency: z.number().int().positive(),
  lookbackMs: z.number().int().min(0),
  ignoreWatermarks: z.boolean(),
  includeMessageBodies: z.boolean(),
  hashEmails: z.boolean(),
  messagesSince: z.string().nullable(),
  batchUsers: z.number().int().positive(),
  maxAttempts: z.number().int().positive(),
});

export type RunRequest = z.infer<typeof runRequestSchema>;

export const batchPayloadSchema = z.object({
  request: runRequestSchema,
  runId: z.number().int().positive(),
  batch: z.number().int().min(0),
  users: z.array(z.string().min(1)).min(1),
});

export type BatchPayload = z.infer<typeof batchPayloadSchema>;

export const finishPayloadSchema = z.object({
  request: runRequestSchema,
  runId: z.number().int().positive(),
});

export type FinishPayload = z.infer<typeof finishPayloadSchema>;

/** A payload as its schema reads it, or an error naming the task and what is wrong. */
export function parsePayload<T>(schema: z.ZodType<T>, payload: unknown, task: string): T {
  const parsed = schema.safeParse(payload);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
  throw new Error(`job ${task}: the payload is not valid (${issues})`);
}

/** The request a run of the workers syncs by: the sync options of a tenant, as data. */
export function runRequest(
  tenant: string,
  options: SyncOptions,
  work: { readonly batchUsers: number; readonly maxAttempts: number },
): RunRequest {
  return {
    tenant,
    trigger: options.trigger,
    streams: [...options.streams],
    users:
      options.users.kind === "all"
        ? { kind: "all" }
        : { kind: "list", ids: [...options.users.ids] },
    concurrency: options.concurrency,
    lookbackMs: options.lookbackMs,
    ignoreWatermarks: options.ignoreWatermarks,
    includeMessageBodies: options.includeMessageBodies,
    hashEmails: options.hashEmails,
    messagesSince: options.messagesSince,
    batchUsers: work.batchUsers,
    maxAttempts: work.maxAttempts,
  };
}

/** The sync options a job runs with. */
export function syncOptionsOf(request: RunRequest): SyncOptions {
  return Object.freeze({
    trigger: request.trigger,
    users: request.users,
    streams: new Set(request.streams as Stream[]),
    concurrency: request.concurrency,
    dryRun: false,
    resume: false,
    ignoreWatermarks: request.ignoreWatermarks,
    lookbackMs: request.lookbackMs,
    includeMessageBodies: request.includeMessageBodies,
    messagesSince: request.messagesSince,
    chats: null,
    hashEmails: request.hashEmails,
  });
}
