import type { Normalized, Rejected } from "../../src/normalize/index.ts";

/** The accepted value and its warnings; fails the test (with the reason) on a rejection. */
export function accepted<T>(result: Normalized<T>): { value: T; warnings: string[] } {
  if (!result.ok) throw new Error(`expected acceptance, got rejection: ${result.rejected.reason}`);
  return result;
}

export function rejected<T>(result: Normalized<T>): Rejected {
  if (result.ok) throw new Error(`expected rejection, got ${JSON.stringify(result.value)}`);
  return result.rejected;
}
