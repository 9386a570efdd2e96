import type { FollowUpName } from "../../load/index.ts";
import type { FollowUpStream } from "./follow-up-stream.ts";
import { membersStream } from "./members.ts";
import { operationsStream } from "./operations.ts";

export type { FetchContext, FollowUpPlan, FollowUpStream, PlanInput } from "./follow-up-stream.ts";

/** Every follow-up stream, by name (their rows load in FOLLOW_UP_WRITERS' table order). */
export const FOLLOW_UP_STREAMS: { readonly [S in FollowUpName]: FollowUpStream<S> } = {
  members: membersStream,
  operations: operationsStream,
};
