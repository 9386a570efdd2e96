/** Tenant users: mostly members, a few B2B guests, some without a mailbox. */
import type { SimUser } from "../model.ts";
import type { Prng } from "../random.ts";
import { EXTERNAL_DOMAINS, GIVEN_NAMES, JOB_TITLES, SURNAMES } from "./names.ts";

/** A user the caller wants to exist with a fixed id (e.g. the ids in Graph's doc samples). */
export interface ExtraUser {
  readonly id: string;
  readonly displayName?: string;
  readonly userPrincipalName?: string;
  readonly mail?: string | null;
}

export function generateUsers(rng: Prng, count: number, domain: string): SimUser[] {
  const users: SimUser[] = [];
  const taken = new Set<string>();
  for (let i = 0; i < count; i++) {
    const given = rng.pick(GIVEN_NAMES);
    const surname = rng.pick(SURNAMES);
    const guest = i > 0 && rng.chance(0.06);
    const local = uniqueLocalPart(`${ascii(given)}.${ascii(surname)}`, taken);
    const id = rng.guid();
    if (guest) {
      const external = rng.pick(EXTERNAL_DOMAINS);
      users.push({
        id,
        displayName: `${given} ${surname} (External)`,
        userPrincipalName: `${local}_${external}#EXT#@${domain}`,
        mail: rng.chance(0.8) ? `${local}@${external}` : null,
        givenName: given,
        surname,
        jobTitle: null,
        userType: "Guest",
      });
    } else {
      const upn = `${local}@${domain}`;
      users.push({
        id,
        displayName: `${given} ${surname}`,
        userPrincipalName: upn,
        mail: rng.chance(0.93) ? upn : null,
        givenName: given,
        surname,
        jobTitle: rng.chance(0.8) ? rng.pick(JOB_TITLES) : null,
        userType: "Member",
      });
    }
  }
  return users;
}

export function extraUserToSimUser(extra: ExtraUser, domain: string): SimUser {
  const upn = extra.userPrincipalName ?? `user-${extra.id.slice(0, 8)}@${domain}`;
  return {
    id: extra.id,
    displayName: extra.displayName ?? `User ${extra.id.slice(0, 8)}`,
    userPrincipalName: upn,
    mail: extra.mail === undefined ? upn : extra.mail,
    givenName: null,
    surname: null,
    jobTitle: null,
    userType: "Member",
  };
}

function ascii(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[^A-Za-z]/g, "")
    .toLowerCase();
}

function uniqueLocalPart(base: string, taken: Set<string>): string {
  let candidate = base;
  for (let n = 2; taken.has(candidate); n++) candidate = `${base}${n}`;
  taken.add(candidate);
  return candidate;
}
