/** The subset of a pino logger the extract stage calls; a pino instance satisfies it. */
export interface ExtractLogger {
  debug(fields: Record<string, unknown>, message?: string): void;
  warn(fields: Record<string, unknown>, message?: string): void;
}

export const silentLogger: ExtractLogger = Object.freeze({
  debug: () => undefined,
  warn: () => undefined,
});
