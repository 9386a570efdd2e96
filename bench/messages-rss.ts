/**
 * messages_rss_growth: peak RSS of a messages backfill (every stream, unthrottled) of the
 * simulator's default tenant, whose first chat holds 24,000+ messages, over the same run
 * with that chat ordinary (`messages.largestChat: 0`, everything else the same). A chat's
 * history streams page by page (each page committed while the next is read), so a chat
 * of any size should cost about two pages. Peak RSS is the sync process's VmHWM at exit
 * (see bench/rss.ts).
 */
import { MESSAGE_STREAMS, messageTruth } from "./messages-tenant.ts";
import {
  log,
  runChildSync,
  withSimulator,
  type BenchParams,
  type BenchPostgres,
  type ChildSyncResult,
  type Figures,
} from "./support.ts";

/** The simulator's default tenant size. */
const USERS = 20;

export async function benchMessagesRss(
  params: BenchParams,
  pg: BenchPostgres,
  figures: Figures,
): Promise<void> {
  const runs: Record<string, ChildSyncResult & { largestChat: number; messages: number }> = {};
  for (const [name, largestChat] of [
    ["with_large_chat", undefined],
    ["without_large_chat", 0],
  ] as const) {
    const databaseUrl = await pg.freshDatabase(`bench_messages_rss_${name}`);
    const messages = largestChat === undefined ? {} : { largestChat };
    runs[name] = await withSimulator(
      { users: USERS, seed: params.seed, messages, rateScale: 0, latencyMs: 0 },
      async (sim) => {
        const truth = messageTruth(sim);
        const run = await runChildSync({
          graphUrl: sim.url,
          token: sim.token,
          databaseUrl,
          rateScale: 0,
          streams: MESSAGE_STREAMS,
          timeoutMs: 30 * 60_000,
        });
        log(
          `messages rss: ${name}: ${truth.messages} messages (largest chat ` +
            `${truth.largestChat.messages}), ${run.status} in ${run.syncSeconds.toFixed(1)} s, ` +
            `peak RSS ${((run.vmHwmKb ?? run.maxRssKb) / 1024).toFixed(0)} MB`,
        );
        if (run.status !== "succeeded")
          throw new Error(`messages rss: ${name} ended ${run.status}`);
        return { ...run, largestChat: truth.largestChat.messages, messages: truth.messages };
      },
    );
  }
  const peakKb = (run: ChildSyncResult | undefined) => run?.vmHwmKb ?? run?.maxRssKb ?? NaN;
  const withKb = peakKb(runs.with_large_chat);
  const withoutKb = peakKb(runs.without_large_chat);
  figures.figure("messages_rss_large_chat_mb", withKb / 1024);
  figures.figure("messages_rss_without_mb", withoutKb / 1024);
  figures.figure("messages_rss_growth", withKb / withoutKb);
  figures.detail("messagesRss", {
    runs,
    definition:
      "messages_rss_growth = peak RSS (VmHWM at exit) of a backfill of every stream of the " +
      `default tenant (${USERS} users, its first chat of 24,000+ messages) / the same with ` +
      "messages.largestChat 0 (that chat ordinary)",
  });
}
