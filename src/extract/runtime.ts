/**
 * The side effects the extract stage needs, as plain functions, so tests can pass a fake
 * clock and a seeded random source and run instantly and deterministically.
 */
export type Now = () => number;
export type Sleep = (ms: number) => Promise<void>;
export type Random = () => number;

/** The subset of a pino logger we call; a pino instance satisfies it. */
export interface ExtractLogger {
  debug(fields: Record<string, unknown>, message?: string): void;
  warn(fields: Record<string, unknown>, message?: string): void;
}

export const systemNow: Now = () => Date.now();

export const systemSleep: Sleep = (ms) =>
  new Promise((resolve) => {
    setTimeout(resolve, Math.max(0, ms));
  });

export const silentLogger: ExtractLogger = Object.freeze({
  debug: () => undefined,
  warn: () => undefined,
});
