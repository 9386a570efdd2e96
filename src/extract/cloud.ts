/**
 * Graph roots of the Microsoft clouds and the Entra authority each one trusts
 * (docs/graph.md, "Auth"). Anything else (the simulator, a proxy) has no known
 * authority, so credential auth there needs an explicit authority host.
 */
const authorityByGraphHost: ReadonlyMap<string, string> = new Map([
  ["graph.microsoft.com", "https://login.microsoftonline.com"],
  ["graph.microsoft.us", "https://login.microsoftonline.us"],
  ["dod-graph.microsoft.us", "https://login.microsoftonline.us"],
  ["microsoftgraph.chinacloudapi.cn", "https://login.chinacloudapi.cn"],
]);

const knownAuthorityHosts = new Set(authorityByGraphHost.values());

export interface GraphCloud {
  /** Default Entra authority host for this Graph root; undefined when not a Microsoft cloud. */
  readonly authorityHost: string | undefined;
  /** The app-only token scope: the Graph origin plus `/.default`. */
  readonly scope: string;
}

export function cloudForBaseUrl(baseUrl: string): GraphCloud {
  const url = new URL(baseUrl);
  return {
    authorityHost: authorityByGraphHost.get(url.hostname.toLowerCase()),
    scope: `${url.origin}/.default`,
  };
}

/**
 * Instance discovery asks login.microsoft.com to vouch for the authority; that only makes
 * sense for Microsoft's own authorities (and fails offline against a local one).
 */
export function isMicrosoftAuthorityHost(authorityHost: string): boolean {
  return knownAuthorityHosts.has(new URL(authorityHost).origin);
}
