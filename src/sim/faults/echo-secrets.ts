/**
 * The `echoSecrets` fault: the request's credentials come back in every header and every
 * string of an error body, as from a proxy that reflects what it got or a hostile Graph.
 * Whatever a client keeps of an answer (request ids, Graph's error code and message, the
 * token endpoint's error description) then holds the secret, unless the client cleans it.
 */
import type { IncomingHttpHeaders } from "node:http";
import { chunksToString, type JsonChunks } from "../http/json-chunks.ts";

/** Parsed by clients, never shown: echoing into them would only change the behaviour tested. */
const untouched = new Set(["content-type", "retry-after"]);

export interface EchoedAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: JsonChunks;
}

/**
 * The credentials a request carried: the bearer token itself (not the header, so a
 * client cannot get away with cutting `Bearer …` patterns), and on the token route the
 * client secret or client assertion it posted.
 */
export function requestSecrets(headers: IncomingHttpHeaders, body: string): string[] {
  const secrets: string[] = [];
  const authorization = headers.authorization;
  const bearer = typeof authorization === "string" ? /^Bearer\s+(\S+)/i.exec(authorization) : null;
  if (bearer?.[1]) secrets.push(bearer[1]);
  if (body !== "") {
    const form = new URLSearchParams(body);
    for (const field of ["client_secret", "client_assertion"]) {
      const value = form.get(field);
      if (value) secrets.push(value);
    }
  }
  return secrets;
}

/** `answer` with `secrets` appended to its headers and to every string of an error body. */
export function echoSecrets(answer: EchoedAnswer, secrets: readonly string[]): EchoedAnswer {
  if (secrets.length === 0) return answer;
  const echo = secrets.join(" ");
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(answer.headers)) {
    headers[name] = untouched.has(name.toLowerCase()) ? value : `${value} ${echo}`;
  }
  headers["X-Echo"] = echo;
  headers["WWW-Authenticate"] = `Bearer error="invalid_token", error_description="${echo}"`;
  if (answer.status < 400 || answer.body.length === 0) return { ...answer, headers };
  let parsed: unknown;
  try {
    parsed = JSON.parse(chunksToString(answer.body));
  } catch {
    return { ...answer, headers };
  }
  return { ...answer, headers, body: [JSON.stringify(appendToStrings(parsed, echo))] };
}

function appendToStrings(value: unknown, echo: string): unknown {
  if (typeof value === "string") return `${value} ${echo}`;
  if (Array.isArray(value)) return value.map((item) => appendToStrings(item, echo));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, appendToStrings(item, echo)]),
    );
  }
  return value;
}
