import type { RunSummary } from "../sync/run-sync.ts";
import { EXIT } from "./exit-codes.ts";

const n = (value: number): string => value.toLocaleString("en-US");

/** A short human summary: one line when all is well, the failures listed when not. */
export function formatSummary(summary: RunSummary, verb: string): string {
  const lines = [
    `${verb} ${summary.dryRun ? "(dry run) " : ""}${summary.status} in ${(summary.durationMs / 1000).toFixed(1)}s: ` +
      `${n(summary.users.total)} users (${n(summary.users.failed)} failed` +
      `${summary.users.notSynced ? `, ${n(summary.users.notSynced)} not synced` : ""}), ${n(summary.chats)} chats, ` +
      `${n(summary.members)} members, ${n(summary.previews)} previews, ${n(summary.operations)} operations` +
      `${summary.messages ? `, ${n(summary.messages)} messages` : ""}`,
    `  rows written: ${n(summary.rowsWritten.inserted)} inserted, ${n(summary.rowsWritten.updated)} updated` +
      `${summary.chatsMarkedDeleted ? `, ${n(summary.chatsMarkedDeleted)} chats marked deleted` : ""}; ` +
      `${n(summary.requests)} requests, ${n(summary.throttled)} throttled (429), ${n(summary.retries)} retries` +
      `${summary.rejects ? `; ${n(summary.rejects)} items rejected (see teams.sync_rejects)` : ""}`,
  ];
  for (const failure of summary.failures.slice(0, 20)) {
    lines.push(
      `  FAILED user ${failure.userId} (${failure.stream}${failure.httpStatus ? `, HTTP ${failure.httpStatus}` : ""}): ${failure.error}`,
    );
  }
  if (summary.failures.length > 20)
    lines.push(`  ... and ${summary.failures.length - 20} more (teams-chat-sync status)`);
  if (summary.fatal) lines.push(`  FATAL: ${summary.fatal}`);
  return lines.join("\n");
}

export function exitCodeFor(summary: RunSummary): number {
  if (summary.status === "succeeded") return EXIT.ok;
  if (summary.status === "partial") return EXIT.partial;
  return EXIT.fatal;
}
