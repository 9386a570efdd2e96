import { AuthError, DatabaseError, GraphHttpError, GraphUnavailableError } from "../errors.ts";
import { isDataError } from "../load/index.ts";
import type { Stream } from "./ports.ts";

export { isDataError };

/** One user's (or one of its chats') failure, as the run records and reports it. */
export interface UserFailure {
  readonly userId: string;
  readonly stream: Stream;
  readonly httpStatus: number | null;
  readonly error: string;
}

/** Errors that make every other user fail too (auth, the database, Graph down): stop the run. */
export function isFatal(error: unknown): boolean {
  if (error instanceof DatabaseError) return !isDataError(error);
  if (error instanceof AuthError || error instanceof GraphUnavailableError) return true;
  return error instanceof GraphHttpError && error.status === 401;
}

/** The HTTP status and the one-line message a failure is recorded with. */
export function describeError(
  error: unknown,
  chatId?: string,
): { httpStatus: number | null; error: string } {
  const where = chatId ? `chat ${chatId}: ` : "";
  if (error instanceof GraphHttpError) {
    const id = error.requestId ? ` (request-id ${error.requestId})` : "";
    return { httpStatus: error.status || null, error: `${where}${error.message}${id}` };
  }
  return {
    httpStatus: null,
    error: `${where}${error instanceof Error ? error.message : String(error)}`,
  };
}
