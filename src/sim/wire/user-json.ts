/** A user as `GET /v1.0/users` sends it (the default property set). */
import type { User } from "@microsoft/microsoft-graph-types";
import type { SimUser } from "../model.ts";

export function userJson(user: SimUser): User {
  return {
    businessPhones: [],
    displayName: user.displayName,
    givenName: user.givenName,
    jobTitle: user.jobTitle,
    mail: user.mail,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: user.surname,
    userPrincipalName: user.userPrincipalName,
    id: user.id,
  };
}
