import pLimit from "p-limit";
import { normalizeUser, unusableIdReason, type NormalizeOptions } from "../normalize/index.ts";
import type { Rejected } from "../normalize/rows.ts";
import { describeError, isFatal, type UserFailure } from "./failures.ts";
import type { SyncOptions } from "./options.ts";
import type { GraphSource } from "./ports.ts";

export interface ResolvedUsers {
  /** Distinct user ids, in the order asked for (or listed). */
  readonly ids: readonly string[];
  /** UPNs Graph could not resolve: each is that user's failure, not the run's. */
  readonly failures: readonly UserFailure[];
  /** Ids no request or row can use (see unusableIdReason): dead letters, not users. */
  readonly rejects: readonly Rejected[];
}

/**
 * The run's user ids: every user of the tenant, or the ones asked for, with UPNs resolved
 * to ids (the warehouse keys users by id). Lookups run `concurrency` at a time under the
 * extractor's directory rate limit; an abort (SIGINT) or a fatal error stops the lookups
 * not yet started, and rejects once those in flight have settled.
 */
export async function resolveUsers(
  graph: GraphSource,
  options: Pick<SyncOptions, "users" | "concurrency">,
  signal?: AbortSignal,
  normalize: Partial<NormalizeOptions> = {},
): Promise<ResolvedUsers> {
  if (options.users.kind === "all") {
    const ids: string[] = [];
    const rejects: Rejected[] = [];
    for await (const item of graph.listUsers()) {
      signal?.throwIfAborted();
      const user = normalizeUser(item, normalize);
      if (user.ok) ids.push(user.value.id);
      else rejects.push(user.rejected);
    }
    const kept = usable(ids);
    return { ids: kept.ids, rejects: [...rejects, ...kept.rejects], failures: [] };
  }
  const limit = pLimit({ concurrency: options.concurrency, rejectOnClear: true });
  const failures: UserFailure[] = [];
  let stop: unknown = null;
  const halt = (reason: unknown): void => {
    stop ??= reason;
    limit.clearQueue();
  };
  const onAbort = (): void => halt(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  if (signal?.aborted) onAbort();
  const lookups = options.users.ids.map((idOrUpn) =>
    limit(async (): Promise<string | null> => {
      if (!idOrUpn.includes("@")) return idOrUpn;
      try {
        return await graph.resolveUserId(idOrUpn);
      } catch (error) {
        if (isFatal(error)) {
          halt(error);
          return null;
        }
        failures.push({ userId: idOrUpn, stream: "chats", ...describeError(error) });
        return null;
      }
    }),
  );
  const settled = await Promise.allSettled(lookups);
  signal?.removeEventListener("abort", onAbort);
  if (stop !== null) throw stop;
  const ids = settled.flatMap((s) =>
    s.status === "fulfilled" && s.value !== null ? [s.value] : [],
  );
  return { ...usable(ids), failures };
}

function usable(ids: readonly string[]): { ids: string[]; rejects: Rejected[] } {
  const rejects: Rejected[] = [];
  const kept = new Set<string>();
  for (const id of ids) {
    const reason = unusableIdReason(id);
    if (reason === null) kept.add(id);
    else rejects.push({ kind: "user", context: "users", reason, raw: { id } });
  }
  return { ids: [...kept], rejects };
}
