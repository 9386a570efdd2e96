/**
 * The state behind `getAllMessages/delta` links. A delta link names the change number
 * its round ended at; it stays valid while it is used at least every 7 days of simulated
 * time (docs/graph.md: an unused link expires after about 7 days), after which Graph answers
 * 410 and the client must start over. Delta history reaches back eight months.
 */
import { SimError } from "../sim-error.ts";

export const DELTA_LINK_IDLE_MS = 7 * 86_400_000;
export const DELTA_HISTORY_MONTHS = 8;

export class DeltaLinks {
  private last = 0;
  private readonly lastUsed = new Map<number, number>();

  /** A new link id, used now. */
  issue(nowMs: number): number {
    const id = ++this.last;
    this.lastUsed.set(id, nowMs);
    return id;
  }

  /** Marks the link used now; a 410 when it was unused for longer than 7 days (or is unknown). */
  use(id: number, nowMs: number): void {
    const last = this.lastUsed.get(id);
    if (last === undefined || nowMs - last > DELTA_LINK_IDLE_MS) {
      this.lastUsed.delete(id);
      throw new SimError(
        410,
        "resyncRequired",
        "The delta token is no longer valid, and the app must reset the sync state.",
      );
    }
    this.lastUsed.set(id, nowMs);
  }
}

/** The oldest change time a first delta round returns. */
export function deltaHistoryStart(nowMs: number): number {
  const date = new Date(nowMs);
  date.setUTCMonth(date.getUTCMonth() - DELTA_HISTORY_MONTHS);
  return date.getTime();
}
