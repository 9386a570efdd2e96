import type * as MicrosoftGraph from "@microsoft/microsoft-graph-types";
import { FieldReader } from "./fields.ts";
import { accepted, keyItem } from "./keyed-item.ts";
import { resolveNormalizeOptions, type NormalizeOptions } from "./options.ts";
import type { Normalized } from "./rows.ts";
import { sanitizeJson } from "./sanitize.ts";

/** A user to sync, from one item of `GET /users` (`$select=id,userPrincipalName`). */
export interface GraphUserRef {
  readonly id: string;
  readonly userPrincipalName: string | null;
}

/** Rejected only without a string `id`; the context of a rejection is `users`. */
export function normalizeUser(
  json: unknown,
  options: Partial<NormalizeOptions> = {},
): Normalized<GraphUserRef> {
  const warnings: string[] = [];
  const clean = sanitizeJson(json, warnings);
  // The options only redact a rejected item's JSON (it may hold `mail`); the accepted
  // reference is not stored as a row.
  const keyed = keyItem(clean, "user", "users", resolveNormalizeOptions(options));
  if (!keyed.ok) return keyed;
  const read = new FieldReader<MicrosoftGraph.User>(keyed.item, "", warnings);
  return accepted({ id: keyed.id, userPrincipalName: read.string("userPrincipalName") }, warnings);
}
