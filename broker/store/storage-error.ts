// Store writes that fail because the disk is full (or failing) become an API error that
// says so, instead of a masked "Unexpected error". The write was a transaction, so
// nothing was changed; callers undo whatever they had opened before it.
import type { GraphQLError } from "graphql";
import { apiError } from "../api/api-error.js";
import { StorageFailure } from "./store.js";

/** Rethrows a storage failure as RESOURCE_EXHAUSTED naming the action; others unchanged. */
export function storageError(error: unknown, action: string): GraphQLError | unknown {
  if (!(error instanceof StorageFailure)) return error;
  return apiError(
    "RESOURCE_EXHAUSTED",
    `The broker could not save this (its disk is full or failing), so ${action}. Try again once it has space.`,
  );
}
