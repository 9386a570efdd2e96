import v8 from "node:v8";

/**
 * How far V8 may let the heap grow past what the last full collection found alive, in
 * percent. V8's own choice goes up to 4x on a machine with memory to spare, so RSS
 * followed the allocation rate rather than what a run keeps. A sync keeps only its
 * batches in flight alive, a small heap, so the factor is what decides its peak; a low
 * one costs a little wall time unthrottled and nothing against Graph's limits (figures
 * in docs/decisions.md, measured by bench/rss.ts and bench/ceiling.ts). Unlike a heap cap
 * (--max-old-space-size), a growth factor cannot make a larger tenant run out of memory.
 */
export const HEAP_GROWING_PERCENT = 20;

const GROWING_FLAG = /^--heap[-_]growing[-_]percent(=|$)/;

/**
 * Sets the heap's growth factor for this process unless the command line or
 * NODE_OPTIONS already chose one. V8 reads the factor at every full collection, so
 * setting it at startup takes effect. Returns whether it was set here.
 */
export function applyMemoryPolicy(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? "",
): boolean {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)];
  if (given.some((arg) => GROWING_FLAG.test(arg))) return false;
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
