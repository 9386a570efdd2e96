import { ConfigError, GraphProtocolError, type ErrorContext } from "../errors.ts";

export type GraphVersion = "v1.0" | "beta";

/**
 * One path segment from an id. Chat ids carry ':' and '@', user ids may be UPNs, and guest
 * UPNs carry '#EXT#': unencoded, '#' would cut the URL short.
 */
export function encodeId(id: string, what: string): string {
  if (id.trim() === "") throw new ConfigError(`${what} must not be empty`);
  return encodeURIComponent(id);
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
