/**
 * The parsers of the flags several commands share, so that every command reads and
 * refuses them alike: a refused value is a usage error (exit 2) naming the flag.
 */
import { InvalidArgumentError, Option } from "commander";

/** Number() reads a blank as 0: a flag given an empty value is refused instead. */
function numberOf(value: string): number {
  return value.trim() === "" ? Number.NaN : Number(value);
}

export function positiveInt(value: string): number {
  const n = numberOf(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a whole number >= 1");
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = numberOf(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a whole number >= 0");
  return n;
}

/** --rate-scale: a multiplier of Graph's rate limits (the extractor's, or the simulator's). */
export function parseRateScale(value: string): number {
  const scale = numberOf(value);
  if (!Number.isFinite(scale) || scale < 0)
    throw new InvalidArgumentError("expected a number >= 0 (0 = no limits)");
  return scale;
}

export function rateScaleOption(description: string): Option {
  return new Option("--rate-scale <x>", description).argParser(parseRateScale);
}

export function jsonOption(description: string): Option {
  return new Option("--json", description);
}
