/** What generating one chat needs from the tenant being generated. */
import type { SimUser } from "../model.ts";
import type { MemberContext } from "./members.ts";

export interface ChatGenContext {
  readonly members: MemberContext;
  readonly users: readonly SimUser[];
  readonly userIds: ReadonlySet<string>;
  readonly nowMs: number;
  readonly appIds: readonly string[];
  readonly botAppIds: readonly string[];
  readonly maxGroupSize: number;
  readonly largeGroupShare: number;
  /** One-on-one chat ids already used (a pair of people has one such chat). */
  readonly usedChatIds: Set<string>;
  /** How many of each thing was generated so far: drives the coverage steering. */
  readonly counters: {
    groups: number;
    meetings: number;
    /** Per chat type: previews so far, and where each type is in the system event cycle. */
    previews: Record<string, number>;
    systemEvents: Record<string, number>;
  };
}
