import { erased } from "./follow-up-stream.ts";
import { membersStream } from "./members.ts";
import { operationsStream } from "./operations.ts";

export type {
  AnyFollowUpStream,
  FetchContext,
  FollowUpPlan,
  FollowUpStream,
  PlanInput,
} from "./follow-up-stream.ts";

/**
 * Every follow-up stream, in the order their tables are written in a chat batch's
 * transaction (a fixed order: concurrent batches never deadlock).
 */
export const FOLLOW_UP_STREAMS = [erased(membersStream), erased(operationsStream)] as const;

/** The follow-up streams' names (`--streams` takes them, with `chats` and `previews`). */
export type FollowUpName = (typeof FOLLOW_UP_STREAMS)[number]["name"];

/** One of the run's follow-up streams (rows typed away: see erased). */
export type DeclaredFollowUpStream = (typeof FOLLOW_UP_STREAMS)[number];
