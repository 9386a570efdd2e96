/** What Graph says about a failed request in its error envelope. */
export interface GraphErrorDetails {
  readonly code: string | undefined;
  readonly message: string | undefined;
  readonly requestId: string | undefined;
}

/**
 * Reads `{ "error": { "code", "message", "innerError": { "request-id" } } }`, tolerating
 * anything else (gateways answer 502/504 with HTML).
 */
export function parseGraphErrorBody(text: string): GraphErrorDetails {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { code: undefined, message: undefined, requestId: undefined };
  }
  const error = field(body, "error");
  const inner = field(error, "innerError") ?? field(error, "innererror");
  return {
    code: stringField(error, "code"),
    message: stringField(error, "message"),
    requestId: stringField(inner, "request-id"),
  };
}

function field(value: unknown, name: string): unknown {
  return typeof value === "object" && value !== null && name in value
    ? (value as Record<string, unknown>)[name]
    : undefined;
}

function stringField(value: unknown, name: string): string | undefined {
  const found = field(value, name);
  return typeof found === "string" && found !== "" ? found : undefined;
}
