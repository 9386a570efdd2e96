import type { Kysely } from "kysely";
import type { Database } from "./schema.ts";

export interface Watermark {
  readonly value: Date;
  /** As Graph sent it (7 fractional digits); the Date keeps milliseconds only. */
  readonly raw: string;
}

/**
 * Every user's watermark of a stream (of one tenant's users, when `tenant` is given);
 * users without one (never loaded) are absent.
 */
export async function readWatermarks(
  db: Kysely<Database>,
  stream: string,
  tenant?: string,
): Promise<Map<string, Watermark>> {
  const rows = await db
    .selectFrom("teams.sync_watermarks")
    .select(["user_id", "watermark", "watermark_raw"])
    .where("stream", "=", stream)
    .where("watermark", "is not", null)
    .$if(tenant !== undefined, (q) => q.where("tenant", "=", tenant as string))
    .execute();
  const map = new Map<string, Watermark>();
  for (const r of rows) {
    if (r.watermark) {
      map.set(r.user_id, { value: r.watermark, raw: r.watermark_raw ?? r.watermark.toISOString() });
    }
  }
  return map;
}
