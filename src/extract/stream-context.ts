import type { GraphHttpClient } from "./http-client.ts";

/** What every stream function needs: the HTTP layer and where Graph is. */
export interface StreamContext {
  readonly http: GraphHttpClient;
  /** GraphConfig.baseUrl. */
  readonly baseUrl: string;
  /** GraphConfig.maxPages. */
  readonly maxPages: number;
}

/** Ids carried into rate limits, errors and logs when a chat call is made for a user. */
export interface ChatCallContext {
  readonly userId?: string;
}

/** Values after `unknownFutureValue` (beta's `createChat` operation type) need this. */
export const includeUnknownEnumMembers = Object.freeze({
  Prefer: "include-unknown-enum-members",
});
