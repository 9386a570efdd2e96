const GRAPH_PREFIX = "#microsoft.graph.";

/**
 * `#microsoft.graph.aadUserConversationMember` -> `aadUserConversationMember`. Unknown
 * types keep the text after the prefix; a value without the prefix is returned as is.
 */
export function stripODataType(value: string): string {
  return value.startsWith(GRAPH_PREFIX) ? value.slice(GRAPH_PREFIX.length) : value;
}
