// GraphQL errors that carry remote.it-style codes in extensions.code. Only these reach a
// client with their message; anything else is masked by the server.
import { GraphQLError } from "graphql";
import type { ApiErrorCode } from "../../common/graphql/schema.js";

export function apiError(code: ApiErrorCode, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

/** A GraphQL-shaped error body for refusals that happen before GraphQL runs. */
export function errorBody(code: ApiErrorCode, message: string): string {
  return JSON.stringify({ errors: [{ message, extensions: { code } }] });
}
