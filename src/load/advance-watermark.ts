import { sql, type Kysely } from "kysely";
import { compareGraphTimestamps } from "../normalize/index.ts";
import type { Database } from "./schema.ts";

/**
 * Moves the user's watermarks (stream -> the newest lastUpdatedDateTime loaded, as Graph
 * sent it) forward, never backwards, comparing at Graph's full precision (7 fractional
 * digits) rather than timestamptz's 6. All the user's streams take two statements: one
 * reading (and locking) the stored rows, one writing those that move. Returns the
 * streams written.
 */
export async function advanceWatermarks(
  db: Kysely<Database>,
  userId: string,
  runId: number,
  watermarks: ReadonlyMap<string, string>,
): Promise<string[]> {
  if (watermarks.size === 0) return [];
  const streams = [...watermarks.keys()].sort();
  const stored = new Map<string, string | null>();
  const current = await db
    .selectFrom("teams.sync_watermarks")
    .select([
      "stream",
      "watermark_raw",
      sql<string | null>`to_json(watermark) #>> '{}'`.as("watermark_text"),
    ])
    .where("user_id", "=", userId)
    .where("stream", "=", sql<string>`any(${streams}::text[])`)
    .orderBy("stream")
    .forUpdate()
    .execute();
  for (const row of current) stored.set(row.stream, row.watermark_raw ?? row.watermark_text);
  const moving = streams.filter((stream) => {
    const known = stored.get(stream);
    const raw = watermarks.get(stream) as string;
    return known === undefined || known === null || compareGraphTimestamps(raw, known) > 0;
  });
  if (moving.length === 0) return [];
  await db
    .insertInto("teams.sync_watermarks")
    .values(
      moving.map((stream) => ({
        stream,
        user_id: userId,
        watermark: watermarks.get(stream) as string,
        watermark_raw: watermarks.get(stream) as string,
        run_id: runId,
        updated_at: sql<Date>`now()`,
      })),
    )
    .onConflict((oc) =>
      oc.columns(["stream", "user_id"]).doUpdateSet({
        watermark: (eb) => eb.ref("excluded.watermark"),
        watermark_raw: (eb) => eb.ref("excluded.watermark_raw"),
        run_id: (eb) => eb.ref("excluded.run_id"),
        updated_at: (eb) => eb.ref("excluded.updated_at"),
      }),
    )
    .execute();
  return moving;
}
