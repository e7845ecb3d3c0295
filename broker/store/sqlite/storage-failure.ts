// SQLite's ways of saying its disk is full or failing (SQLITE_FULL, SQLITE_IOERR_*), and
// the wrapper that turns them into the store's StorageFailure on every write.
import { StorageFailure } from "../store.js";

export function isStorageFailure(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && (code === "SQLITE_FULL" || code.startsWith("SQLITE_IOERR"));
}

/** Runs a write; a full or failing disk rejects as StorageFailure, other errors unchanged. */
export function guardWrite<T>(write: () => T): T {
  try {
    return write();
  } catch (error) {
    throw isStorageFailure(error) ? new StorageFailure(error) : error;
  }
}
