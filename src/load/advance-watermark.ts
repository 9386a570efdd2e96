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
 * Moves the user's watermarks forward, never backwards, comparing at Graph's full
 * precision (raw, 7 digits) rather than timestamptz's 6. A null value only records
 * that the stream has no watermark yet. All the user's streams take two statements:
 * one reading (and locking) the stored rows, one writing those that move. Returns the
 * streams written.
 */
export async function advanceWatermarks(
  db: Kysely<Database>,
  userId: string,
  runId: number,
  inputs: readonly WatermarkInput[],
): Promise<string[]> {
  if (inputs.length === 0) return [];
  // A stream given twice keeps its later value, as two advances in a row would.
  const byStream = new Map<string, WatermarkInput>();
  for (const input of inputs) {
    const other = byStream.get(input.stream);
    if (!other || !isLater(valueOf(other), valueOf(input))) byStream.set(input.stream, input);
  }
  const streams = [...byStream.keys()].sort();
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
  const moving = streams.flatMap((stream) => {
    const input = byStream.get(stream);
    if (!input) return [];
    const known = stored.get(stream);
    return known === undefined || isLater(valueOf(input), known) ? [input] : [];
  });
  if (moving.length === 0) return [];
  await db
    .insertInto("teams.sync_watermarks")
    .values(
      moving.map((input) => ({
        stream: input.stream,
        user_id: userId,
        watermark: input.value ?? input.raw,
        watermark_raw: input.raw,
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
  return moving.map((input) => input.stream);
}

function valueOf(input: WatermarkInput): string | null {
  return input.raw ?? input.value;
}

/** Whether `a` is later than `b`; a null is "no timestamp", later than nothing. */
function isLater(a: string | null, b: string | null): boolean {
  return a !== null && (b === null || compareTimestamps(a, b) > 0);
}
