import type { Stream } from "./ports.ts";

export type Trigger = "manual" | "cron" | "backfill";

/** Which users a run covers. */
export type UserSelection =
  { readonly kind: "all" } | { readonly kind: "list"; readonly ids: readonly string[] };

/** A sync or backfill, as the CLI or the scheduler asks for it. Frozen. */
export interface SyncOptions {
  readonly trigger: Trigger;
  readonly users: UserSelection;
  readonly streams: ReadonlySet<Stream>;
  /** Users synced at once; Graph's per-user limit (1 listing/s) makes this the throughput knob. */
  readonly concurrency: number;
  readonly dryRun: boolean;
  /** Continue the newest backfill that did not complete, skipping the users it committed. */
  readonly resume: boolean;
  /** Ignore watermarks: every chat gets the follow-up calls (backfill). */
  readonly ignoreWatermarks: boolean;
  /** Chats changed since the watermark minus this get the follow-up calls. */
  readonly lookbackMs: number;
  readonly includeMessageBodies: boolean;
  readonly hashEmails: boolean;
}

export const DEFAULT_CONCURRENCY = 25;
export const DEFAULT_LOOKBACK_MS = 60 * 60 * 1000;
