// Store writes that fail because the disk is full (or failing) become an API error that
// says so, instead of a masked "Unexpected error". The write was a transaction, so
// nothing was changed; callers undo whatever they had opened before it.
import type { GraphQLError } from "graphql";
import { apiError } from "../api/api-error.js";
import { StorageFailure, StoreUnreachable } from "./store.js";

/**
 * Rethrows a storage failure as RESOURCE_EXHAUSTED, and an unreachable store as
 * SERVICE_UNAVAILABLE, naming the action; others unchanged.
 */
export function storageError(error: unknown, action: string): GraphQLError | unknown {
  if (error instanceof StoreUnreachable) return storeUnavailable(action);
  if (!(error instanceof StorageFailure)) return error;
  return apiError(
    "RESOURCE_EXHAUSTED",
    `The broker could not save this (its disk is full or failing), so ${action}. Try again once it has space.`,
  );
}

/** What a client hears while the store is away: nothing changed; try again shortly. */
export function storeUnavailable(action: string): GraphQLError {
  return apiError(
    "SERVICE_UNAVAILABLE",
    `The broker cannot reach its store just now, so ${action}. Try again in a few seconds.`,
  );
}
