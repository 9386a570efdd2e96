import { pino, type Logger } from "pino";
import pretty from "pino-pretty";

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

/**
 * Structured JSON logs on stderr for cron and pipelines; the same lines made readable
 * when stderr is a terminal. Quiet at info when all is well, precise when not.
 */
export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? process.stderr;
  const tty = (destination as NodeJS.WriteStream).isTTY === true;
  return pino(
    {
      level: options.level,
      base: { app: "teams-chat-sync" },
      redact: { paths: REDACT, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    tty
      ? pretty({
          destination: 2,
          sync: true,
          ignore: "pid,hostname,app",
          translateTime: "SYS:HH:MM:ss",
        })
      : (destination as pino.DestinationStream),
  );
}
