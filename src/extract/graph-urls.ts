import { GraphProtocolError, type ErrorContext } from "../errors.ts";

export type GraphVersion = "v1.0" | "beta";

/**
 * One path segment from an id. Chat ids carry ':' and '@', user ids may be UPNs, and guest
 * UPNs carry '#EXT#': unencoded, '#' would cut the URL short. encodeURIComponent leaves
 * '.' alone, so `.` and `..` would still be dot segments that the URL resolves away
 * (`/chats/../members` is `/members`): ids that cannot be one segment are refused before
 * any request, whoever supplied them (Graph, a users file, a flag).
 */
export function encodeId(id: string, what: string, context: ErrorContext = {}): string {
  const problem = segmentProblem(id);
  if (problem !== undefined) {
    throw new GraphProtocolError(
      `${what} ${showId(id)} cannot be used in a Graph URL: ${problem}; nothing was requested for it`,
      context,
    );
  }
  return encodeURIComponent(id);
}

function segmentProblem(id: string): string | undefined {
  if (id.trim() === "") return "it is empty";
  if (id === "." || id === "..") return "it is a dot segment, which would change the path";
  // Encoded they would be harmless to the URL, but no Graph id holds them, and servers
  // and logs downstream treat a NUL or a line break as an end.
  if (/\p{Cc}/u.test(id)) return "it holds control characters";
  // encodeURIComponent throws on a lone surrogate.
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(id)) {
    return "it is not well-formed Unicode";
  }
  return undefined;
}

/** The id quoted, control characters escaped, cut short: errors go to logs and tables. */
function showId(id: string): string {
  const shown = JSON.stringify(id.length > 80 ? `${id.slice(0, 80)}` : id);
  return id.length > 80 ? `${shown.slice(0, -1)}…" (${id.length} characters)` : shown;
}

/** `${baseUrl}/${version}${path}`; `path` starts with '/' and is already encoded. */
export function graphUrl(baseUrl: string, version: GraphVersion, path: string): string {
  return `${baseUrl}/${version}${path}`;
}

/**
 * Parses `url` and refuses it unless it is on the configured Graph origin: the bearer
 * token goes only there, so a nextLink or Location elsewhere is never requested at all.
 */
export function requireGraphOrigin(
  url: string,
  graphOrigin: string,
  context: ErrorContext = {},
): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new GraphProtocolError(`Not a URL: ${url}`, { ...context, cause: error });
  }
  if (parsed.origin !== graphOrigin || parsed.username !== "" || parsed.password !== "") {
    throw new GraphProtocolError(
      `Refusing to request ${parsed.origin}${parsed.pathname}: it is not on the configured ` +
        `Graph origin ${graphOrigin}, the only origin the bearer token is sent to ` +
        "(a nextLink or Location pointing elsewhere is not followed)",
      context,
    );
  }
  return parsed;
}
