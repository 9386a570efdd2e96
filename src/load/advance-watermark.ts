import { sql, type Kysely } from "kysely";
import { compareTimestamps } from "./graph-timestamp.ts";
import type { Database } from "./schema.ts";

export interface WatermarkInput {
  readonly stream: string;
  /** timestamptz text; null when nothing with a timestamp was loaded. */
  readonly value: string | null;
  /** The same value exactly as Graph sent it (7 fractional digits). */
  readonly raw: string | null;
}

/**
 * Moves the user's watermark forward, never backwards, comparing at Graph's full
 * precision (raw, 7 digits) rather than timestamptz's 6. A null value only records
 * that the stream has no watermark yet. Returns whether the row was written.
 */
export async function advanceWatermark(
  db: Kysely<Database>,
  userId: string,
  runId: number,
  input: WatermarkInput,
): Promise<boolean> {
  const current = await db
    .selectFrom("teams.sync_watermarks")
    .select(["watermark_raw", sql<string | null>`to_json(watermark) #>> '{}'`.as("watermark_text")])
    .where("stream", "=", input.stream)
    .where("user_id", "=", userId)
    .forUpdate()
    .executeTakeFirst();
  const next = input.raw ?? input.value;
  const stored = current?.watermark_raw ?? current?.watermark_text ?? null;
  if (current && (next === null || (stored !== null && compareTimestamps(next, stored) <= 0))) {
    return false;
  }
  const row = {
    stream: input.stream,
    user_id: userId,
    watermark: input.value ?? input.raw,
    watermark_raw: input.raw,
    run_id: runId,
    updated_at: sql<Date>`now()`,
  };
  const result = await db
    .insertInto("teams.sync_watermarks")
    .values(row)
    .onConflict((oc) =>
      oc.columns(["stream", "user_id"]).doUpdateSet({
        watermark: (eb) => eb.ref("excluded.watermark"),
        watermark_raw: (eb) => eb.ref("excluded.watermark_raw"),
        run_id: (eb) => eb.ref("excluded.run_id"),
        updated_at: (eb) => eb.ref("excluded.updated_at"),
      }),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}
