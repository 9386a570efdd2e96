import { inspect } from "node:util";

const REDACTED = "[redacted]";

/**
 * A secret (token, client secret) that cannot leak by accident: printing, logging,
 * JSON-serialising or inspecting it shows `[redacted]`. Only `reveal()` gives the value,
 * and only the code that sends it to Graph or Entra ID calls it.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
