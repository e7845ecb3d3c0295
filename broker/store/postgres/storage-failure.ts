// PostgreSQL's ways of saying a write could not be made: a full or failing disk becomes
// the store's StorageFailure (the API says so); a database that cannot be reached becomes
// an error naming it, instead of pg's bare "Connection terminated unexpectedly".
import { messageOf } from "../../../common/result.js";
import { StorageFailure, StoreUnreachable } from "../store.js";

/** SQLSTATE classes 53 (insufficient resources, 53100 disk full) and 58 (system, I/O). */
export function isStorageFailure(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && /^5[38]/.test(code);
}

/** Connection refused or lost, the server shutting down, or not yet accepting sessions. */
export function isUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") {
    if (/^(08|57P0[123])/.test(code)) return true;
    if (/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE)$/.test(code)) {
      return true;
    }
  }
  // pg's own words when a session ends under it, or when no connection came within the
  // pool's connectionTimeoutMillis.
  return /Connection terminated|timeout exceeded when trying to connect/i.test(messageOf(error));
}

/** Runs a query; storage and connection failures become the errors above, others unchanged. */
export async function guardQuery<T>(where: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof StorageFailure || error instanceof StoreUnreachable) throw error;
    if (isStorageFailure(error)) throw new StorageFailure(error);
    if (isUnreachable(error)) throw new StoreUnreachable(`The PostgreSQL store ${where}`, error);
    throw error;
  }
}
