import { pino, type Logger } from "pino";

export type { Logger };

/**
 * Paths pino blanks in every log line, in case an object carrying a secret is logged.
 * Secrets are also wrapped in `Secret` (config/secret.ts); this is the second fence.
 */
const REDACT = [
  "token",
  "accessToken",
  "clientSecret",
  "password",
  "authorization",
  "headers.authorization",
  "*.authorization",
  "*.token",
  "*.clientSecret",
];

export interface LoggerOptions {
  readonly level: string;
  /** Where lines go; stderr by default so stdout stays for results (`--json`). */
  readonly destination?: NodeJS.WritableStream;
}

/** Structured JSON logs on stderr: quiet at info when all is well, precise when not. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { app: "teams-chat-sync" },
      redact: { paths: REDACT, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    (options.destination ?? process.stderr) as pino.DestinationStream,
  );
}
