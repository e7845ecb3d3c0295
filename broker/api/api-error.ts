// GraphQL errors that carry remote.it-style codes in extensions.code. Only these reach a
// client with their message; anything else is masked by the server.
import { GraphQLError } from "graphql";
import type { AuthRefusalReason } from "../../common/graphql/auth-refusals.js";
import type { ApiErrorCode } from "../../common/graphql/schema.js";

export function apiError(code: ApiErrorCode, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

/** Every code a client may see in extensions.code; anything else becomes BAD_USER_INPUT. */
export const API_CODES = new Set<string>([
  "UNAUTHENTICATED",
  "NOT_FOUND",
  "BAD_USER_INPUT",
  "SERVICE_OFFLINE",
  "RESOURCE_EXHAUSTED",
  "SERVICE_UNAVAILABLE",
  "INTERNAL_SERVER_ERROR",
]);

/** `code` if it is one of the API's, else BAD_USER_INPUT ("your request is wrong"). */
export function apiCodeOf(code: unknown): ApiErrorCode {
  return typeof code === "string" && API_CODES.has(code)
    ? (code as ApiErrorCode)
    : "BAD_USER_INPUT";
}

/**
 * A GraphQL-shaped error body for refusals that happen before GraphQL runs; `reason` says
 * why in a code (extensions.reason) when there is more than one why.
 */
export function errorBody(code: ApiErrorCode, message: string, reason?: AuthRefusalReason): string {
  return JSON.stringify({ errors: [{ message, extensions: { code, reason } }] });
}

/** Ids longer than this are cut when quoted back, so a huge id does not come back whole. */
const QUOTED_ID_CHARS = 80;

/** An id as error messages quote it: JSON-quoted, and cut with "…" past 80 characters. */
export function quoteId(id: string): string {
  return JSON.stringify(id.length > QUOTED_ID_CHARS ? `${id.slice(0, QUOTED_ID_CHARS)}…` : id);
}
