import { inspect } from "node:util";

const placeholder = "[redacted]";

/**
 * Replaces every occurrence of each known secret (the token or client secret in hand) in
 * `text`; empty secrets are ignored.
 */
export function maskKnownSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret) result = result.split(secret).join(placeholder);
  }
  return result;
}

/**
 * Whether a value (an error from a library, typically) shows a secret anywhere a log or
 * a crash report would: its message, stack, enumerable fields and cause chain.
 */
export function revealsSecret(value: unknown, secrets: readonly (string | undefined)[]): boolean {
  const shown = inspect(value, { depth: 8, breakLength: Infinity });
  return secrets.some((secret) => secret !== undefined && secret !== "" && shown.includes(secret));
}
