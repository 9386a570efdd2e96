import type { GraphHttpClient } from "./http-client.ts";

/** What every stream function needs: the HTTP layer and where Graph is. */
export interface StreamContext {
  readonly http: GraphHttpClient;
  /** GraphConfig.baseUrl. */
  readonly baseUrl: string;
  /** GraphConfig.maxPages. */
  readonly maxPages: number;
}

/** Values after `unknownFutureValue` (beta's `createChat` operation type) need this. */
export const includeUnknownEnumMembers = Object.freeze({
  Prefer: "include-unknown-enum-members",
});
