import type { TaskList } from "graphile-worker";
import { TASKS } from "../names.ts";
import type { WorkContext } from "../work-context.ts";
import { finishRunTask } from "./finish-run.ts";
import { planRunTask } from "./plan-run.ts";
import { syncBatchTask } from "./sync-batch.ts";

/** The tasks a worker runs, bound to its process's context. */
export function taskList(ctx: WorkContext): TaskList {
  return {
    [TASKS.plan]: planRunTask(ctx),
    [TASKS.batch]: syncBatchTask(ctx),
    [TASKS.finish]: finishRunTask(ctx),
  };
}
