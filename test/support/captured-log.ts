/** A real (pino) logger whose lines a test can read back, parsed. */
import { Writable } from "node:stream";
import { createLogger, type Logger } from "../../src/log.ts";

export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export interface CapturedLog {
  readonly logger: Logger;
  readonly lines: LogLine[];
  /** The warnings of retried database operations ("... retrying in N ms"). */
  retries(): LogLine[];
}

/** A logger at `level` (default warn) whose lines land in `lines`. */
export function captureLog(level = "warn"): CapturedLog {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line.trim()) lines.push(JSON.parse(line) as LogLine);
      }
      done();
    },
  });
  return {
    logger: createLogger({ level, destination }),
    lines,
    retries: () =>
      lines.filter((l) => typeof l.operation === "string" && l.msg.includes("retrying")),
  };
}
