import { readFile } from "node:fs/promises";
import { InvalidArgumentError, Option, type Command } from "commander";
import { STREAMS, type Stream } from "../sync/ports.ts";
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_LOOKBACK_MS,
  type SyncOptions,
  type Trigger,
  type UserSelection,
} from "../sync/options.ts";

/** The flags `sync` and `backfill` share (docs/design.md). */
export function addSyncFlags(command: Command): Command {
  return command
    .option(
      "--users <ids>",
      "comma-separated user ids or UPNs (default: every user of the tenant)",
      parseIdList,
    )
    .option("--users-file <path>", "a file with one user id or UPN a line ('#' comments allowed)")
    .option("--streams <names>", `subset of ${STREAMS.join(",")} (default: all)`, parseStreams)
    .option(
      "--concurrency <n>",
      `users synced at once (default ${DEFAULT_CONCURRENCY})`,
      positiveInt,
    )
    .option(
      "--lookback <minutes>",
      "re-check chats changed this long before the watermark (default 60)",
      nonNegativeInt,
    )
    .option("--dry-run", "extract and normalize, write nothing")
    .option("--json", "print one JSON summary on stdout")
    .addOption(new Option("--no-message-bodies", "do not store message preview bodies"))
    .option("--hash-emails", "store member emails as SHA-256 hashes");
}

export interface SyncFlagValues {
  users?: string[];
  usersFile?: string;
  streams?: Stream[];
  concurrency?: number;
  lookback?: number;
  dryRun?: boolean;
  json?: boolean;
  messageBodies?: boolean;
  hashEmails?: boolean;
  resume?: boolean;
}

export async function syncOptionsFromFlags(
  flags: SyncFlagValues,
  trigger: Trigger,
): Promise<SyncOptions> {
  return Object.freeze({
    trigger,
    users: await userSelection(flags),
    streams: new Set(flags.streams ?? STREAMS),
    concurrency: flags.concurrency ?? DEFAULT_CONCURRENCY,
    dryRun: flags.dryRun ?? false,
    ignoreWatermarks: trigger === "backfill",
    resume: flags.resume ?? false,
    lookbackMs: flags.lookback === undefined ? DEFAULT_LOOKBACK_MS : flags.lookback * 60_000,
    includeMessageBodies: flags.messageBodies ?? true,
    hashEmails: flags.hashEmails ?? false,
  });
}

async function userSelection(flags: SyncFlagValues): Promise<UserSelection> {
  const ids = [...(flags.users ?? [])];
  if (flags.usersFile !== undefined) {
    let text: string;
    try {
      text = await readFile(flags.usersFile, "utf8");
    } catch (cause) {
      throw new InvalidArgumentError(
        `cannot read --users-file ${flags.usersFile}: ${(cause as Error).message}`,
      );
    }
    ids.push(...parseUsersFile(text));
    if (ids.length === 0)
      throw new InvalidArgumentError(`--users-file ${flags.usersFile} lists no user`);
  }
  if (flags.users === undefined && flags.usersFile === undefined) return { kind: "all" };
  return { kind: "list", ids: [...new Set(ids)] };
}

/**
 * One id or UPN a line. `#` starts a comment only at the start of a line or after
 * whitespace: a guest's UPN (`jane_contoso.com#EXT#@tenant.onmicrosoft.com`) holds one.
 */
export function parseUsersFile(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/(^|\s)#.*$/, "").trim())
    .filter((line) => line.length > 0);
}

function parseIdList(value: string): string[] {
  const ids = value
    .split(",")
    .map((id) => id.trim())
    .filter((id) => id.length > 0);
  if (ids.length === 0) throw new InvalidArgumentError("expected at least one user id or UPN");
  return ids;
}

function parseStreams(value: string): Stream[] {
  const names = parseIdList(value);
  const unknown = names.filter((name) => !(STREAMS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new InvalidArgumentError(
      `unknown stream ${unknown.join(", ")}; streams are ${STREAMS.join(", ")}`,
    );
  }
  return names as Stream[];
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a whole number >= 1");
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a whole number >= 0");
  return n;
}
