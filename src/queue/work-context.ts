import type { Kysely } from "kysely";
import type { Database } from "../load/index.ts";
import type { Logger } from "../log.ts";
import type { RunLockTiming } from "../schedule/index.ts";
import type { GraphSource } from "../sync/ports.ts";

/** What every job of a worker process shares. */
export interface WorkContext {
  readonly db: Kysely<Database>;
  /** For the tenants' run locks (each on a connection of its own). */
  readonly databaseUrl: string;
  readonly logger: Logger;
  /** The tenants this process has credentials for. */
  readonly tenants: ReadonlySet<string>;
  /** A Graph source for one job of the tenant (its own extractor, limiter and counters). */
  graph(tenant: string): GraphSource;
  /** The run locks' heartbeat and takeover grace (tests shorten them). */
  readonly lockTiming?: Partial<RunLockTiming>;
  readonly now?: () => Date;
  /** How long a batch job starts users before it hands the rest to a new job (JobBudget). */
  readonly jobBudgetMs?: number;
}
