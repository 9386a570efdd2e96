/**
 * A request the simulator refuses, carrying the HTTP status and Graph error code it
 * answers with. Mutations throw it too (unknown chat, not a member), so the control
 * routes and programmatic callers see the same failure.
 */
export class SimError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "SimError";
  }
}

export function notFound(what: string): SimError {
  return new SimError(404, "NotFound", `${what} was not found.`);
}

export function badRequest(message: string): SimError {
  return new SimError(400, "BadRequest", message);
}

/** Graph's directory wording for an unknown user id or UPN. */
export function userNotFound(ref: string): SimError {
  return new SimError(
    404,
    "Request_ResourceNotFound",
    `Resource '${ref}' does not exist or one of its queried reference-property objects are not present.`,
  );
}
