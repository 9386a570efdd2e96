import { DEFAULT_STREAMS, type Stream } from "./ports.ts";

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
  /**
   * How far back a first or backfill read of a chat's messages goes: messages changed after
   * this (Graph's text, e.g. `2024-01-01T00:00:00Z`); null for all history.
   */
  readonly messagesSince: string | null;
  /**
   * `--chats`: refresh only these chats (the chat, its members, operations and messages),
   * outside any user's listing; null for a run over users.
   */
  readonly chats: readonly string[] | null;
  readonly hashEmails: boolean;
}

export const DEFAULT_CONCURRENCY = 25;
export const DEFAULT_LOOKBACK_MS = 60 * 60 * 1000;

/** A tenant-wide `sync` with every default (the demo and the benchmarks run this). */
export function defaultSyncOptions(overrides: Partial<SyncOptions> = {}): SyncOptions {
  return {
    trigger: "manual",
    users: { kind: "all" },
    streams: new Set(DEFAULT_STREAMS),
    concurrency: DEFAULT_CONCURRENCY,
    dryRun: false,
    ignoreWatermarks: false,
    resume: false,
    lookbackMs: DEFAULT_LOOKBACK_MS,
    includeMessageBodies: true,
    messagesSince: null,
    chats: null,
    hashEmails: false,
    ...overrides,
  };
}
